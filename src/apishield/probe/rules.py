"""The probe's rule table: one :class:`Rule` per thing a check can prove (ids ``PR-<FAMILY>-nnn``)."""

from __future__ import annotations

from apishield.findings import Confidence, Rule, Severity

C, H, M, L, INFO = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO
HI, MED, LO = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW


def _r(rid: str, title: str, cwe: tuple[int, ...], owasp: str, sev: Severity, conf: Confidence, fix: str) -> Rule:
    return Rule(rid, title, cwe, owasp, sev, conf, description=title, fix=fix)


AUTH_MISSING = _r("PR-AUTH-001", "Protected operation reachable without credentials", (306, 862), "API2:2023", H, HI,
                  "Require authentication on every non-public route (apishield: deny by default, mark public routes).")
AUTH_SENSITIVE = _r("PR-AUTH-002", "Sensitive data (password, hash, secret) in a response", (213, 200), "API3:2023",
                    H, HI, "Serialise responses through an explicit allow-list of fields; never return hashes.")
AUTH_GARBAGE = _r("PR-AUTH-003", "Garbage, empty or wrong-scheme credentials accepted", (287,), "API2:2023", C, HI,
                  "Reject any credential that does not verify; do not fall back to anonymous success.")
AUTH_IN_URL = _r("PR-AUTH-005", "Credentials accepted in the URL query string (?token=...)", (598, 522), "API2:2023",
                 M, HI, "Accept credentials only in the Authorization header (or a cookie): URLs end up in server and "
                 "proxy logs, browser history and Referer headers.")
AUTH_WRONG_PASSWORD = _r("PR-AUTH-006", "Login signs in with a wrong password", (287, 303), "API2:2023", C, HI,
                         "Verify the password against its stored hash on every login and refuse on a mismatch "
                         "(argon2-cffi PasswordHasher.verify; apishield's password helpers).")
JWT_NONE = _r("PR-JWT-001", "JWT with alg 'none' accepted", (347, 327), "API2:2023", C, HI,
              "Pin the accepted algorithms on decode (apishield JWTAuth(algorithms=['EdDSA'])).")
JWT_NOSIG = _r("PR-JWT-002", "JWT signature not verified (stripped or altered signature accepted)", (347,),
               "API2:2023", C, HI, "Verify the signature on every request with a pinned key and algorithm.")
JWT_WEAK = _r("PR-JWT-003", "JWT signed with a weak HMAC secret (cracked offline, forgery accepted)", (1391, 798),
              "API2:2023", C, HI, "Use a random 256-bit secret from a secret store, or an asymmetric key.")
JWT_EXPIRED = _r("PR-JWT-004", "Expired JWT accepted", (613,), "API2:2023", H, HI,
                 "Validate 'exp' (and 'nbf') on decode with a small leeway.")
JWT_CONFUSION = _r("PR-JWT-005", "JWT algorithm confusion: HS256 signed with the public RSA key accepted",
                   (347, 327), "API2:2023", C, HI, "Pin the algorithm per key; never let the token header choose.")
JWT_KID = _r("PR-JWT-006", "JWT 'kid' header injection (key chosen from attacker input)", (347, 22), "API2:2023", C,
             HI, "Look 'kid' up in a fixed key set; never use it as a path or in a query.")
BOLA_READ = _r("PR-BOLA-001", "Broken object level authorization: another user's object readable", (639, 862),
               "API1:2023", H, HI, "Check ownership on every object access (scope queries by the principal).")
BOLA_WRITE = _r("PR-BOLA-002", "Broken object level authorization: another user's object writable", (639, 862),
                "API1:2023", C, HI, "Check ownership before updates; return 404 for objects of other users.")
BFLA = _r("PR-BFLA-001", "Broken function level authorization: admin operation open to a normal user", (285,),
          "API5:2023", H, MED, "Require an admin role/scope on administrative operations (apishield requires_role).")
CLIENT_PRICE = _r("PR-BIZ-001", "Price taken from the request: a catalogue item stored at the price the client sent",
                  (472, 602), "API6:2023", H, HI, "Look the price up on the server from the item's id; never read a "
                  "price, total or discount from the request body.")
MASS = _r("PR-MASS-001", "Mass assignment: privileged field accepted from the request and stored", (915,),
          "API3:2023", H, HI, "Bind request bodies to an explicit input schema; ignore or reject unknown fields.")
SQLI_ERROR = _r("PR-SQLI-001", "SQL injection (database error triggered by a quote)", (89,), "API8:2023", H, HI,
                "Use parameterised queries; never format request data into SQL.")
SQLI_BOOL = _r("PR-SQLI-002", "SQL injection (boolean differential)", (89,), "API8:2023", H, HI,
               "Use parameterised queries; never format request data into SQL.")
SQLI_TIME = _r("PR-SQLI-003", "SQL injection (time-based, calibrated and repeated)", (89,), "API8:2023", H, MED,
               "Use parameterised queries; never format request data into SQL.")
XSS = _r("PR-XSS-001", "Reflected XSS: input rendered unescaped in an HTML response", (79,), "API8:2023", H, HI,
         "Escape output with an auto-escaping template engine; serve JSON as application/json.")
PATH = _r("PR-PATH-001", "Path traversal: file contents outside the intended directory returned", (22,), "API8:2023",
          H, HI, "Resolve paths against a fixed base and refuse anything that escapes it.")
SSTI = _r("PR-SSTI-001", "Server-side template injection (expression evaluated)", (1336, 94), "API8:2023", C, HI,
          "Never build templates from request data; pass data as template variables.")
RATE = _r("PR-RATE-001", "No rate limiting (burst accepted, no 429 / Retry-After / RateLimit headers)", (770, 307),
          "API4:2023", M, MED, "Add rate limits (apishield RateLimit('5/minute') on login, a global default).")
REDOS = _r("PR-REDOS-001", "Regular expression denial of service (response time grows super-linearly)", (1333,),
           "API4:2023", M, MED, "Use linear-time patterns (no nested quantifiers) and cap input length.")
CORS_REFLECT = _r("PR-CORS-001", "CORS: arbitrary Origin reflected", (942, 346), "API8:2023", H, HI,
                  "List allowed origins explicitly (apishield CORS(origins=[...])).")
CORS_NULL = _r("PR-CORS-002", "CORS: 'null' Origin allowed", (942,), "API8:2023", M, HI,
               "Never allow the 'null' origin.")
CORS_TRICK = _r("PR-CORS-003", "CORS: origin check fooled by a prefix/suffix trick", (942, 20), "API8:2023", H, HI,
                "Compare origins exactly against a list, not with startswith/endswith/regex fragments.")
PASSWORD_FAST_HASH = _r("PR-PASS-001", "Passwords stored under a fast unsalted hash (MD5/SHA digest of a known "
                        "password answered)", (916, 759, 328), "API2:2023", H, HI,
                        "Hash passwords with a slow salted function (argon2-cffi PasswordHasher, bcrypt, scrypt) and "
                        "never return the stored hash.")
PASSWORD_PLAIN = _r("PR-PASS-002", "Passwords stored in plain text or reversibly (a known password answered back)",
                    (256, 257), "API2:2023", H, HI,
                    "Store only a slow salted hash of each password (argon2-cffi PasswordHasher); a password must "
                    "never be readable again, by anyone.")
HEADERS = _r("PR-HDR-001", "Missing security headers", (693,), "API8:2023", L, HI,
             "Add nosniff, frame-ancestors/X-Frame-Options, CSP, HSTS (apishield SecurityHeaders()).")
BANNER = _r("PR-HDR-002", "Server banner discloses software versions", (200,), "API8:2023", INFO, HI,
            "Drop version details from the Server / X-Powered-By headers.")
STACK = _r("PR-ERR-001", "Stack trace or internal error detail returned to the client", (209,), "API8:2023", M, HI,
           "Return problem+json without internals; log details server-side.")
DEBUG = _r("PR-ERR-002", "Debug page or interactive debugger exposed", (489, 215), "API8:2023", C, HI,
           "Never run with debug on outside development.")
TRACE = _r("PR-TRACE-001", "TRACE method enabled (request echoed back)", (693,), "API8:2023", L, HI,
           "Disable TRACE on the server and proxies.")
ENUM = _r("PR-ENUM-001", "User enumeration: login answers differ for unknown users", (204,), "API2:2023", M, MED,
          "Answer unknown user and wrong password identically (status, body, timing).")
SQL_DISCLOSED = _r("PR-ERR-003", "Database error or SQL statement disclosed in an error answer", (209, 89), "API8:2023",
                   M, HI, "Catch database errors; answer problem+json without SQL text and log the detail server-side.")
SERVER_ERROR = _r("PR-ERR-004", "Unhandled server error (500) on client input", (755, 20), "API8:2023", L, HI,
                  "Validate input and answer 4xx; a 500 means the input reached code that did not expect it.")
SERVER_STOPPED = _r("PR-ERR-005", "Server stopped answering after a request (crashed: denial of service)", (248, 400),
                    "API4:2023", M, MED,
                    "Catch errors per request (a worker must survive any input), validate types before use, and "
                    "run the app under a supervisor that restarts it; find the crash in the server's log.")
CARD_NUMBER = _r("PR-DATA-001", "Payment card number in a response", (359, 200), "API3:2023", H, HI,
                 "Never return full card numbers; mask all but the last four digits and keep PANs out of APIs.")
PRIVATE_KEY = _r("PR-DATA-002", "Private key or cloud access key in a response", (321, 200), "API3:2023", C, HI,
                 "Remove keys from responses and rotate the exposed key at once.")
CMDI = _r("PR-CMDI-001", "OS command injection (harmless canary executed)", (78,), "API8:2023", C, HI,
          "Never pass request data to a shell; call programs with an argument list (subprocess.run([...])).")
UPLOAD_ACTIVE = _r("PR-UPLOAD-001", "Uploaded file served back as an active page from the API's origin", (434, 79),
                   "API8:2023", H, HI, "Store uploads outside every served folder and serve them only as downloads "
                   "(Content-Disposition: attachment, X-Content-Type-Options: nosniff) with a type the server "
                   "chooses from the content, never the client's name or type.")
XXE = _r("PR-XXE-001", "XML external entity processing (local entity resolved)", (611,), "API8:2023", H, HI,
         "Disable DTDs and entity resolution (defusedxml); accept JSON where XML is not needed.")
REDIRECT = _r("PR-REDIR-001", "Open redirect: a parameter sends the client to any outside host", (601,), "API8:2023", M,
              HI, "Redirect only to relative paths or to hosts on an allow-list; never to a URL from the request.")
WEAK_CSP = _r("PR-HDR-003", "Content-Security-Policy allows inline or evaluated script", (693, 79), "API8:2023", L, HI,
              "Drop 'unsafe-inline'/'unsafe-eval' and wildcards from script-src; use nonces or hashes.")
CODE_INJECTION = _r("PR-CODE-001", "Code injection: input evaluated as program code (eval)", (95, 94), "API8:2023",
                    C, HI, "Never pass request data to eval/exec/Function(); parse the input you expect instead "
                    "(ast.literal_eval for Python literals, a real expression parser for formulas).")
DESERIALIZATION = _r("PR-DESER-001", "Insecure deserialization (a harmless serialized sleep was executed)", (502,),
                     "API8:2023", C, MED,
                     "Never unpickle request data or load YAML with an unsafe loader; accept JSON and validate it.")
XSS_STORED = _r("PR-XSS-002", "Stored XSS: input sent earlier rendered unescaped in a later HTML answer", (79,),
                "API8:2023", H, HI, "Escape output with an auto-escaping template engine when rendering stored data.")
FRAMING = _r("PR-HDR-004", "Clickjacking: HTML page may be framed by any site (no X-Frame-Options or "
             "frame-ancestors)", (1021,), "API8:2023", L, HI,
             "Send Content-Security-Policy: frame-ancestors 'none' (or 'self') and X-Frame-Options: DENY.")
COOKIE_SCRIPT_READABLE = _r("PR-COOKIE-001", "Session or credential cookie readable by scripts (no HttpOnly)",
                            (1004,), "API8:2023", M, HI,
                            "Set HttpOnly (and Secure, SameSite) on every cookie that carries a session, a token or "
                            "account data; only a double-submit CSRF cookie is meant for scripts.")
VERSION_BODY = _r("PR-INFO-001", "Software versions disclosed in a response body", (200,), "API8:2023", INFO, HI,
                  "Do not return framework, runtime or database versions in health or status answers.")
PERSONAL_DATA = _r("PR-DATA-003", "Personal data (e-mail, phone, postal address) of other users in a response",
                   (359, 200), "API3:2023", M, MED,
                   "Return other users' records through a public schema without contact details.")
VCS_METADATA = _r("PR-DATA-004", "Source-control metadata served (.git files)", (527, 538), "API8:2023", M, HI,
                  "Deploy a build without the .git folder, or refuse every path under /.git at the server; rotate "
                  "any credential the repository's history or configuration holds.")
SECRETS_FILE = _r("PR-DATA-005", "Secrets file served: an environment file or configuration backup (.env, config.bak) "
                  "names the deployment's keys and passwords", (538, 200), "API8:2023", H, HI,
                  "Keep environment files and backups out of every served directory (and out of the image); refuse "
                  "dot-files and backup names at the server; rotate every secret the file held.")
JWT_NO_EXPIRY = _r("PR-JWT-007", "JWT issued without an expiry ('exp' claim): a stolen token never expires",
                   (613,), "API2:2023", M, HI, "Issue short-lived tokens with 'exp' and validate it on decode.")
JWT_CLAIMS_SECRET = _r("PR-JWT-008", "JWT claims carry a password or other secret (readable by anyone holding the "
                       "token: a JWT is signed, not encrypted)", (522, 312), "API3:2023", H, HI,
                       "Put only an opaque user id and the claims the server needs in a token; never a password, "
                       "hash or secret (signing does not hide the payload).")
JWT_EMBEDDED_KEY = _r("PR-JWT-009", "JWT verified with a key the token carries in its own header ('jwk'): anyone can "
                      "sign tokens", (347,), "API2:2023", C, HI,
                      "Verify with keys from your own key set only; ignore 'jwk', 'jku' and 'x5c' in token headers.")
JWT_LONG_LIVED = _r("PR-JWT-010", "JWT lives longer than a day ('exp' more than 24 hours after it was issued): a "
                    "stolen token stays useful for days", (613,), "API2:2023", L, HI,
                    "Issue access tokens for minutes (apishield's default is 15, its ceiling a day) and keep long "
                    "sessions in revocable refresh tokens.")
SESSION_FIXATION = _r("PR-SESS-001", "Session fixation: a session id chosen by the client is adopted", (384,),
                      "API2:2023", H, HI,
                      "Issue a fresh random session id on login; ignore ids the server did not issue.")
LOGOUT_KEPT = _r("PR-SESS-002", "Session or token still accepted after logout", (613,), "API2:2023", M, HI,
                 "Revoke the token or session on logout (a denylist of its id until it expires, or server-side "
                 "sessions); apishield revokes the session's tokens on logout.")
SESSION_WEAK_KEY = _r("PR-SESS-003", "Signed session cookie's key is guessable (cracked offline: anyone can forge "
                      "sessions)", (1391, 798), "API2:2023", C, HI,
                      "Set the framework's secret key (Flask SECRET_KEY) to a random 256-bit value from a secret "
                      "store, never a placeholder or a word.")
SESSION_PREDICTABLE = _r("PR-SESS-004", "Predictable session id or token: successive logins are issued values that "
                         "differ only by a counter, a clock reading or a few digits", (330, 341), "API2:2023", H, HI,
                         "Issue session ids and opaque tokens from a strong random source (128 bits: "
                         "secrets.token_urlsafe(32)); never a counter, a timestamp or a user id.")
EAR = _r("PR-EAR-001", "Execution after redirect: a redirect to the login carries the protected page's content",
         (698,), "API5:2023", H, MED, "Stop handling (return) right after redirecting an unauthenticated caller.")
RATE_SPOOF = _r("PR-RATE-002", "Rate limit bypassed with a client-supplied address header (X-Forwarded-For)",
                (348, 770), "API4:2023", M, HI,
                "Key limits on the peer address; trust X-Forwarded-For only from your own proxies (apishield "
                "trusted_proxies).")
SSRF = _r("PR-SSRF-001", "Server-side request forgery: the server fetches a URL named in the request",
          (918,), "API7:2023", H, HI,
          "Fetch only from an allow-list of hosts; resolve and refuse private and loopback addresses; never "
          "return the fetched body verbatim.")
WEAK_PASSWORD = _r("PR-AUTH-004", "Weak password accepted: an account is created with a trivial password ('aaa', "
                   "or '1234' where 'aaa' is refused)", (521,), "API2:2023", M, HI,
                   "Enforce a password policy where accounts are created and passwords changed: at least 8 "
                   "characters (NIST SP 800-63B), checked against common and breached passwords.")
LOGIN_SQLI = _r("PR-SQLI-004", "SQL injection in the login: signed in with a wrong password (the user name or "
                "password ends the SQL string)", (89, 287), "API2:2023", C, HI,
                "Look the account up with a parameterised query and compare the password hash in code.")
LOGIN_NOSQL = _r("PR-NOSQL-001", "NoSQL operator injection in the login: signed in with a query operator "
                 "({'$ne': …}) as the password", (943, 287), "API2:2023", C, HI,
                 "Accept only strings for credentials (validate types) and compare the password hash in code.")
QUERY_OPERATOR = _r("PR-NOSQL-002", "NoSQL operator injection: a query operator sent in place of a value is honoured "
                    "({'$ne': …} widens a search or filter)", (943,), "API8:2023", H, HI,
                    "Accept only the scalar type a filter expects (validate types before they reach the query) and "
                    "never pass request objects into a query document.")
RESET_TOKEN_SHOWN = _r("PR-RESET-001", "Password reset secret in the reset request's answer: whoever names an address "
                       "can set that account's password", (640, 200), "API2:2023", C, HI,
                       "Send the reset secret only to the account's own address (e-mail or SMS), never in the answer; "
                       "answer every address the same way.")
PASSWORD_SET_UNPROVEN = _r("PR-RESET-002", "Password set without proof of the account: an operation takes an account's "
                           "e-mail or name and a new password, with no reset secret or current password (account "
                           "takeover)", (640, 620), "API2:2023", C, HI,
                           "Set a password only with a single-use reset secret sent to the account's own address, or "
                           "for the signed-in caller with its current password; never for an account the body names.")
DEFAULT_LOGIN = _r("PR-AUTH-007", "Default account left in place: the login signs in with a well-known name and "
                   "password (admin/admin …)", (1392, 798), "API2:2023", C, HI,
                   "Remove or disable shipped accounts; make the first administrator set a password of their own "
                   "(apishield's Task API: python -m taskapi.manage make-admin).")
HOST_HEADER = _r("PR-HOST-001", "Host header injection: a forged Host or X-Forwarded-Host becomes the host of a link "
                 "or redirect", (644, 20), "API8:2023", M, HI,
                 "Build absolute links from a configured base URL (or an allow-list of hosts), never from the "
                 "request's Host or X-Forwarded-Host; trust forwarded headers only from your own proxies.")
HEADER_IDENTITY = _r("PR-AUTH-008", "Identity taken from a header the client sets (X-User-Id, Remote-User …): "
                     "naming a user in it signs in as that user", (290, 287), "API2:2023", C, HI,
                     "Take the caller's identity only from a verified credential (a signed session, a verified "
                     "token); accept identity headers only from your own authenticating proxy and strip them at "
                     "the edge.")
