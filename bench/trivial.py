"""The baseline for `make bench`: the smallest Flask app, served with the portal's server settings."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "ok"
