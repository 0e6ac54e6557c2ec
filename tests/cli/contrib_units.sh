#!/bin/bash
# contrib_units.sh: the systemd user units are well-formed (systemd-analyze
# verify, where systemd is installed) and mount, unmount and feed as meant.
. tests/lib.sh
S=contrib/systemd
check "mount runs in the foreground at ~/recallfs" \
	grep -qx 'ExecStart=/usr/local/bin/recallfs mount -f %h/recallfs' $S/recallfs.service
check "stop unmounts" \
	grep -qx 'ExecStop=/usr/local/bin/recallfs umount %h/recallfs' $S/recallfs.service
check "started at login" grep -qx 'WantedBy=default.target' $S/recallfs.service
check "feed is a oneshot" grep -qx 'Type=oneshot' $S/recallfs-feed.service
check "timer repeats" grep -q '^OnUnitActiveSec=' $S/recallfs-feed.timer
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$TMP/u" "$TMP/run" && chmod 700 "$TMP/run"
	for f in $S/*; do
		sed -e "s|/usr/local/bin/recallfs|$R|g" \
			-e "s|/usr/local/share/recallfs/recallfs-feed|$PWD/contrib/recallfs-feed|g" \
			"$f" >"$TMP/u/${f##*/}"
	done
	out=$(cd "$TMP/u" && XDG_RUNTIME_DIR=$TMP/run systemd-analyze verify --man=no \
		./recallfs.service ./recallfs-feed.service ./recallfs-feed.timer 2>&1)
	check_eq "systemd-analyze verify is silent" "$out" ""
else
	skip "systemd-analyze verify" "systemd-analyze not installed (apt-get install systemd)"
fi
finish
