"""E-mail in the pure core: threading, parsing, loop protection and reply building.

No network and no Django here: the e-mail channel (``channels_email``) fetches raw
bytes over IMAP, hands them to :func:`distans.core.mail.parse.parse_message`, decides
with :mod:`distans.core.mail.loop_protection` whether to answer, and attaches the
message to a case with :mod:`distans.core.mail.case_match`. See ``docs/dev/mail.md``.
"""
