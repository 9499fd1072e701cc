"""The yardstick: a bare Flask endpoint served with the same gunicorn settings as the site."""

from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello() -> str:
    return "hello"
