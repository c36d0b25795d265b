// Package redact shows values that identify credentials without showing
// enough of them to be useful to anyone else.
package redact

// AccessKeyID shows an access key id as its first and last four characters
// around "****"; an id of 8 characters or fewer is hidden entirely. It
// counts characters, not bytes, so that an id a producer wrote in UTF-8 is
// never cut inside a character.
func AccessKeyID(id string) string {
	r := []rune(id)
	if len(r) <= 8 {
		return "****"
	}
	return string(r[:4]) + "****" + string(r[len(r)-4:])
}
