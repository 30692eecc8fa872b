"""The WSGI application gunicorn serves for the Django peer."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.django_peer.settings")
application = get_wsgi_application()
