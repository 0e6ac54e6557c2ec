# secrets.bash: a planted-secret transcript for the secrets tests (sourced by
# tests/cli/secrets.sh and tests/mount/secrets.sh).  secrets_session prints
# a Claude Code session of 9 turns, each planting secrets of one kind (AWS
# key id, GitHub tokens, OpenAI/Anthropic keys, a Slack token, a JWT, a
# password in a URL, password= / token: / api_key = assignments, a PEM
# private key block; Google, Stripe, GitLab, Hugging Face keys and HTTP
# Basic credentials) in the user text, the answer and a tool input.
# $SECRETS lists a distinctive piece of each, to grep for (case-insensitive:
# exchange ids are lower case).  All values are made up.
s_aws=AKIAZ7QXW3RT5YUP2M4K
s_ghp=ghp_R7mQ2xK9pL4vT8nW3cY6bH1jF5dS0aZeUoIq
s_pat=github_pat_11ABCDEFG0Zq9Wv8Ut7Sr6_Qp5On4Ml3Kj2Ih1Gf0Ed
s_sk=sk-proj-Xq7Lm2Nv9Kp4Rt8Ws3Yz6Bc1Df5Gh0Jk
s_ant=sk-ant-api03-Vb5Nm8Qw2Er4Ty6Ui9Op1As3Df7Gh0JkLzXc
s_slack=xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx
s_jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJyZWNhbGxmcyJ9.c2lnbmF0dXJlLXZhbHVlcw
s_url=Hunter2Secret
s_pw=CorrectHorseBattery9
s_tok=tok9f8e7d6c5b4aQ
s_key=Zx81KqPl0Mn
s_pem=MIIEpAIBAAKCAQEA7bq9XpemBodyLineQmFuZG9tQmFzZTY0
s_gcp=AIzaSyD4x9Qm2Lp7Vt3Ws8Yz1Bc6Df0Gh5Jk2Lm
s_stripe=sk_live_51H8xKq2Lp7Vt3Ws8Yz1Bc6Df0Gh
s_glpat=glpat-x9Qm2Lp7Vt3Ws8Yz1Bc6
s_hf=hf_x9Qm2Lp7Vt3Ws8Yz1Bc6Df0Gh5Jk2LmNp
s_basic=dXNlcjpwYXNzd29yZA
turn() {  # n user-text assistant-text tool-command
	printf '{"type":"user","uuid":"u%d","parentUuid":%s,"sessionId":"sec-1","cwd":"/home/dev/vault","timestamp":"2026-04-01T10:%02d:00Z","message":{"role":"user","content":"%s"}}\n' "$1" "$( [ "$1" = 1 ] && echo null || echo "\"a$(( $1 - 1 ))\"")" "$1" "$2"
	printf '{"type":"assistant","uuid":"a%d","parentUuid":"u%d","sessionId":"sec-1","cwd":"/home/dev/vault","timestamp":"2026-04-01T10:%02d:30Z","message":{"id":"m%d","role":"assistant","content":[{"type":"text","text":"%s"},{"type":"tool_use","id":"t%d","name":"Bash","input":{"command":"%s"}}]}}\n' "$1" "$1" "$1" "$1" "$3" "$1" "$4"
}
secrets_session() {
turn 1 "$s_aws fails with AccessDenied when deploy.sh uploads to the bucket, the key is $s_aws" "The error AccessDenied for $s_aws means the IAM policy lacks s3:PutObject; I added it in policy.json." "aws configure set aws_access_key_id $s_aws"
turn 2 "$s_ghp is my token, git push to origin fails with 403 using $s_ghp in .netrc" "The 403 means $s_ghp lacks the repo scope; regenerate it with repo scope and update .netrc line 3." "git remote set-url origin https://x:$s_ghp@github.com/acme/app.git"
turn 3 "the CI uses $s_pat and $s_sk for the OpenAI calls, and the summarizer breaks with 401" "401 from the API: $s_sk was revoked; I moved the key to the CI secret OPENAI_API_KEY in ci.yml." "export OPENAI_API_KEY=$s_sk"
turn 4 "Anthropic key $s_ant and Slack bot $s_slack both stop working after the rotation" "Rotation invalidated $s_ant and $s_slack; the new ones go in secrets.env, which notify.py reads." "curl -H 'Authorization: Bearer $s_slack' https://slack.com/api/auth.test"
turn 5 "the session cookie holds $s_jwt and the login test expects it to expire in 3600 seconds" "The JWT $s_jwt has no exp claim; I set exp to 3600 seconds in auth.py issue_token." "python -c 'print(1)' # $s_jwt"
turn 6 "postgres://admin:$s_url@db.internal:5432/app refuses connections from the worker" "The worker used postgres://admin:$s_url@db.internal:5432/app but pg_hba.conf lacks its subnet; added 10.0.3.0/24." "psql postgres://admin:$s_url@db.internal:5432/app -c 'select 1'"
turn 7 "config has password=$s_pw and token: $s_tok and api_key = '$s_key' and the loader rejects it" "The loader in config.py rejects password=$s_pw because of the quote handling; fixed the parser for token: $s_tok too." "grep -n 'api_key = $s_key' config.ini"
turn 8 "the deploy key begins -----BEGIN RSA PRIVATE KEY-----\\n$s_pem\\n$s_pem\\n-----END RSA PRIVATE KEY----- and ssh says invalid format" "ssh rejects the key because of CRLF endings in -----BEGIN RSA PRIVATE KEY-----\\n$s_pem\\n-----END RSA PRIVATE KEY-----; converted with dos2unix deploy_key." "dos2unix deploy_key"
turn 9 "maps.js uses $s_gcp and billing uses $s_stripe, the GitLab CI token $s_glpat and $s_hf for the model download all fail" "All four were rotated: $s_gcp, $s_stripe, $s_glpat and $s_hf now come from vault.yml; Authorization: Basic $s_basic== is gone too." "curl -H 'Authorization: Basic $s_basic==' https://registry.internal/v2/"
}
SECRETS="$s_aws $s_ghp ${s_pat#github_pat_} ${s_sk#sk-proj-} ${s_ant#sk-ant-api03-} ${s_slack#xoxb-} ${s_jwt##*.} $s_url $s_pw $s_tok $s_key $s_pem $s_gcp $s_stripe $s_glpat $s_hf $s_basic"

# secrets_in DIR-OR-FILE...: prints every planted secret found (grep -r -i),
# as "secret: where"; nothing when clean.
secrets_in() {
	local s
	for s in $SECRETS; do
		grep -r -i -l -F -- "$s" "$@" 2>/dev/null | sed "s|^|$s: |"
	done
}
# secrets_in_names DIR: planted secrets in any file or directory name.
secrets_in_names() {
	local s
	for s in $SECRETS; do
		find "$1" 2>/dev/null | grep -i -F -- "$s" | sed "s|^|$s: |"
	done
}
