# context.bash: transcripts for the `recallfs context` tests (sourced by
# tests/cli/context.sh and context_hook.sh).
#
# ctx_session SID CWD DAY "REQUEST|ANSWER|FILE FILE..." ...: prints a Claude
# Code session (JSONL) recorded in CWD on DAY (YYYY-MM-DD), one exchange per
# argument, each assistant reply editing its FILEs (relative to CWD), so
# the exchanges are linked by the files they touched.
#
# ctx_shop DIR CWD: writes three sessions of project "shop" into DIR:
#   a-*  (03-01) cart rounding (src/cart.c), coupons (src/coupon.c), search
#        speed (src/search.c), deploy notes (docs/deploy.md)
#   b-*  (03-05) payment timeout (src/pay.c), emails (src/mail.c), CI (ci.yml)
#   c-*  (03-10) coupons break the cart total (src/cart.c src/coupon.c),
#        cart tests (tests/cart_test.c src/cart.c), payment 502 (src/pay.c)
# The five latest are c3 c2 c1 b3 b2; of the older ones a1 (cart.c),
# a2 (coupon.c) and b1 (pay.c) share their files, a3 and a4 nothing.
ctx_esc() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }

ctx_session() {
	local sid=$1 cwd=$2 day=$3 n=0 prev=null req ans files f k tools
	shift 3
	for t in "$@"; do
		n=$((n + 1))
		req=${t%%|*}; t=${t#*|}; ans=${t%%|*}; files=${t#*|}
		tools= k=0
		for f in $files; do
			k=$((k + 1))
			tools="$tools,{\"type\":\"tool_use\",\"id\":\"t-$sid-$n-$k\",\"name\":\"Edit\",\"input\":{\"file_path\":\"$(ctx_esc "$cwd/$f")\",\"old_string\":\"a\",\"new_string\":\"b\"}}"
		done
		printf '{"type":"user","uuid":"%s-u%d","parentUuid":%s,"sessionId":"%s","cwd":"%s","timestamp":"%sT10:%02d:00Z","message":{"role":"user","content":"%s"}}\n' \
			"$sid" "$n" "$prev" "$sid" "$(ctx_esc "$cwd")" "$day" "$n" "$(ctx_esc "$req")"
		printf '{"type":"assistant","uuid":"%s-a%d","parentUuid":"%s-u%d","sessionId":"%s","cwd":"%s","timestamp":"%sT10:%02d:30Z","message":{"id":"m-%s-%d","role":"assistant","content":[{"type":"text","text":"%s"}%s]}}\n' \
			"$sid" "$n" "$sid" "$n" "$sid" "$(ctx_esc "$cwd")" "$day" "$n" "$sid" "$n" "$(ctx_esc "$ans")" "$tools"
		prev="\"$sid-a$n\""
	done
}

ctx_shop() {
	local dir=$1 cwd=$2
	ctx_session a-1 "$cwd" 2026-03-01 \
		"The checkout total is off by a cent when rounding, fix it|Rounding now uses integer cents in cart_total() and a test pins 19.99 + 0.01.|src/cart.c" \
		"Add coupon codes to the cart|Coupons are parsed in coupon_apply() and stored per cart, codes are case-insensitive.|src/coupon.c" \
		"Search is slow for long queries|Added a trigram index in search_build(), queries of 40 words went from 900 ms to 35 ms.|src/search.c" \
		"Write down how we deploy|docs/deploy.md explains the blue-green switch and the rollback command.|docs/deploy.md" \
		>"$dir/a.jsonl"
	ctx_session b-1 "$cwd" 2026-03-05 \
		"The payment gateway times out|pay_send() now retries twice with a 5 s timeout and logs the gateway id.|src/pay.c" \
		"Emails should be localised|mail_render() picks the template by the customer locale, falling back to en.|src/mail.c" \
		"The CI cache is stale|The cache key now includes the lockfile hash.|ci.yml" \
		>"$dir/b.jsonl"
	ctx_session c-1 "$cwd" 2026-03-10 \
		"Coupons break the cart total again|cart_total() applied coupons before rounding; now it rounds first, then applies coupons.|src/cart.c src/coupon.c" \
		"More tests for the cart|tests/cart_test.c covers rounding with and without coupons.|tests/cart_test.c src/cart.c" \
		"Retry payments on a 502 from the gateway|pay_send() retries on 502 with exponential backoff, at most 3 times.|src/pay.c" \
		>"$dir/c.jsonl"
}
