from distans.background import every
from distans.telephony.actions import do_expire_callbacks


@every(30.0)
def expire_callbacks() -> None:
    do_expire_callbacks()


@every(10.0)
def watch_gateway() -> None:
    """The built-in gateway's health (when Distans controls one): gateway_status."""
    from distans.telephony.gateway_status import do_watch_gateway

    do_watch_gateway()
