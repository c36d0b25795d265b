package provider_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go/logging"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	plantedSecret = "pLaNtEdSeCrEtKeY/0123456789abcdefghijklmn"
	plantedToken  = "pLaNtEdSeSsIoNtOkEn+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="
)

// credsJSON is what a producer prints for key id akid expiring at exp.
func credsJSON(akid string, exp time.Time) []byte {
	return fmt.Appendf(nil, `{"Version":1,"AccessKeyId":%q,"SecretAccessKey":%q,"SessionToken":%q,"Expiration":%q}`,
		akid, plantedSecret, plantedToken, exp.Format(time.RFC3339Nano))
}

// recorder is a logging.Logger that keeps every line.
type recorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *recorder) Logf(c logging.Classification, format string, v ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, string(c)+" "+fmt.Sprintf(format, v...))
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}
