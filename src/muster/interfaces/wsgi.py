import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "muster.kernel.settings")
django_application = get_wsgi_application()

from muster.interfaces.partner_api.fastpath import MeasuresFastPath  # noqa: E402 - needs Django set up

# The partner check's hot path is answered before Django's request cycle (muster.interfaces.partner_api.fastpath).
application = MeasuresFastPath(django_application)
