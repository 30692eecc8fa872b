"""A bare Flask "hello" app: the ceiling mfo's pages are measured against, on the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    """Answer with a constant string."""
    return "Hello, festival!"
