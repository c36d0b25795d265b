#!/bin/sh
# producer.sh: a credential_process for the check command's tests.
#
# Usage: producer.sh MODE [ARGS...]
#
# Every mode that prints credentials uses the planted secret key and session
# token below, which no report may contain. Expirations are fixed around the
# tests' clock, 2030-01-01T00:00:00Z.
secret='pLaNtEdSeCrEt/KEY+0123456789abcdefghijkl'
token='pLaNtEdToKeN+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=='

creds() { # creds VERSION EXPIRATION_MEMBER
	printf '{"Version":%s,"AccessKeyId":"ASIAPRODUCERKEY12345","SecretAccessKey":"%s","SessionToken":"%s","AccountId":"123456789012"%s}\n' \
		"$1" "$secret" "$token" "$2"
}

case $1 in
valid)
	echo "producer: using cached credentials" >&2
	creds 1 ',"Expiration":"2030-01-01T01:30:00Z"'
	;;
noexpiry) creds 1 '' ;;
expired) creds 1 ',"Expiration":"2029-12-31T23:00:00Z"' ;;
naive) creds 1 ',"Expiration":"2030-01-01T01:30:00"' ;;
badversion) creds '"1"' ',"Expiration":"2030-01-01T01:30:00Z"' ;;
nosecret) printf '{"Version":1,"AccessKeyId":"ASIAPRODUCERKEY12345","SessionToken":"%s"}\n' "$token" ;;
numberkey) printf '{"Version":1,"AccessKeyId":12345,"SecretAccessKey":"%s"}\n' "$secret" ;;
notjson) echo "AccessKeyId=ASIAPRODUCERKEY12345 SecretAccessKey=$secret" ;;
leak)
	# A wrapper with tracing on: the document also goes to stderr.
	creds 1 ',"Expiration":"2030-01-01T01:30:00Z"' | tee /dev/stderr
	;;
fail)
	echo "producer: the SSO session has expired; run aws sso login" >&2
	exit 3
	;;
echo-at)
	# echo-at AT TOTAL STATUS: the secrets, unlabelled, on stderr after AT
	# bytes of padding, padded to TOTAL bytes; the credentials on stdout;
	# exit STATUS.
	line="debug: $secret $token"
	rest=$(($3 - $2 - ${#line}))
	{
		head -c "$2" /dev/zero | tr '\0' .
		printf '%s' "$line"
		[ "$rest" -le 0 ] || head -c "$rest" /dev/zero | tr '\0' .
	} >&2
	creds 1 ',"Expiration":"2030-01-01T01:30:00Z"'
	exit "$4"
	;;
echo-escaped)
	# Slashes escaped on stdout as PHP escapes them; decoded on stderr.
	echo "debug: $secret $token" >&2
	creds 1 ',"Expiration":"2030-01-01T01:30:00Z"' | sed 's|/|\\/|g'
	exit 1
	;;
echo-env)
	# The secrets as env lines on stderr, nothing on stdout.
	printf 'export AWS_SECRET_ACCESS_KEY=%s\nexport AWS_SESSION_TOKEN=%s\n' "$secret" "$token" >&2
	exit 1
	;;
slow) exec sleep 30 ;;
*)
	echo "producer.sh: unknown mode $1" >&2
	exit 2
	;;
esac
