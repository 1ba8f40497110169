"""gunicorn settings shared by every gunicorn the image runs (the compose file's web and intake
services, the Dockerfile's default command): ``--config python:config.gunicorn``. The commands set
the address, the workers and their class (docs/deployment.md)."""

max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
# The path without its query string (staff searches may hold what they typed), with the request id.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms %({x-request-id}o)s'
