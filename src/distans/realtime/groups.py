"""Names of the fan-out groups. A consumer joins only the groups its person may see;
messages carry what changed, and pages fetch the new content from the views, so
authorisation stays in the views."""


def org_group(organisation_id: int) -> str:
    return f"org.{organisation_id}"


def team_group(team_id: int) -> str:
    return f"team.{team_id}"


def person_group(person_id: int) -> str:
    return f"person.{person_id}"


def supervisors_group(organisation_id: int) -> str:
    return f"sup.{organisation_id}"


def session_group(session_key: str) -> str:
    """The sockets opened with one login session (closed when it ends)."""
    import hashlib

    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:32]
