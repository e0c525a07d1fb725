"""Single sign-on with the organisation's own accounts (OpenID Connect: Microsoft Entra
ID, Keycloak, Google …) and the optional second factor (TOTP). See docs/dev/sso.md."""
