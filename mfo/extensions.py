"""Unbound extension objects; create_app binds them to an app with init_app."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
# Rate limits count per client address (the real one behind MFO_TRUSTED_PROXIES, see ProxyFix).
# Limiter and Talisman keep their settings on the object itself: one configured app per process.
limiter = Limiter(key_func=get_remote_address)
mail = Mail()
migrate = Migrate(compare_type=True, render_as_batch=True)
talisman = Talisman()
