#!/bin/sh
# expiring.sh: prints credentials whose Expiration is $EXPIRATION, verbatim.
printf '{"Version":1,"AccessKeyId":"AKIDFAULTEXPIRING","SecretAccessKey":"%s","SessionToken":"%s","Expiration":"%s","Note":"%s"}\n' \
	"fAuLtSeCrEtKeY/9876543210zyxwvutsrqponmlk" \
	"fAuLtSeSsIoNtOkEn+BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB==" \
	"$EXPIRATION" "sToUtCaNaRy-7f3e"
