"""The baseline for benchmarks/throughput.py: a bare Flask app answering "hello"."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    return "hello"
