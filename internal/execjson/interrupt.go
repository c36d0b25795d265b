package execjson

import "errors"

// ErrInterrupted is wrapped by the error of a run that the user ended from
// the terminal (Ctrl-C or Ctrl-\) while the command held it.
var ErrInterrupted = errors.New("interrupted from the terminal")
