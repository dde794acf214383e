"""Code that runs inside the Rasa server (Python 3.10 venv): imports only Rasa, Sanic and the standard library."""
