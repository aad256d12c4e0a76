import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "muster.settings")
django_application = get_wsgi_application()

from muster.api.fastpath import MeasuresFastPath  # noqa: E402 - needs Django set up

# The partner check's hot path is answered before Django's request cycle (muster.api.fastpath).
application = MeasuresFastPath(django_application)
