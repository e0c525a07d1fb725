from distans.background import every
from distans.telephony.actions import do_expire_callbacks


@every(30.0)
def expire_callbacks() -> None:
    do_expire_callbacks()
