// Package terminal lends the controlling terminal to a command for its
// run, as a shell's job control lends it to its foreground job. It does so
// on Linux and macOS; elsewhere [Lend] lends nothing and a run leaves the
// terminal alone.
//
// A command runs in a process group of its own (execjson starts it with
// SysProcAttr.Setpgid) so that the timeout can kill everything it started.
// On a terminal that group is a background job, and the kernel stops a
// background job that reads its controlling terminal (SIGTTIN) or changes
// its settings, as a password prompt does to turn echo off (SIGTTOU): the
// producer would hang, stopped, until the timeout. The
// SDK's processcreds avoids this by not isolating the command, and pays
// for it with grandchildren that outlive the timeout.
//
// So when stdin is the controlling terminal and this process is in its
// foreground, the run lends the terminal to the command's group for the
// run, as a shell's job control does: the child makes its new group the
// foreground group before it execs (SysProcAttr.Foreground, done with
// signals blocked so that the child's own tcsetpgrp is not stopped), and
// this process takes the foreground back once the command has exited,
// with SIGTTOU held off because it is then a background group asking for
// the terminal. The kill-the-group timeout is unchanged.
//
// While the command holds the terminal, Ctrl-C and Ctrl-\ signal its group
// only. A shell that sees its foreground job die of SIGINT acts as if it
// had received the signal itself; in the same way, once the terminal is
// back, the run ends what is left of the command's group and raises the
// signal in this process, where it would have gone had the command shared
// its group: a program that does not handle SIGINT ends as it would have,
// one that does is told.
//
// Ctrl-Z stops the command's group only. On Linux the run then stops this
// process's job too, with the terminal handed back, and lends it again
// when continued (followStops in lend_linux.go), as a shell's job stops as
// a whole; on macOS the stopped command keeps the terminal until the
// timeout.
//
// The terminal's settings are saved before and put back after the run, as
// shells do for a job killed mid-prompt: a producer killed between "echo
// off" and "echo on" would otherwise leave the user typing blind.
//
// A process in the background (started with &, or stopped and resumed
// with bg) does not own the terminal and must not take it from the job
// that does: the run then changes nothing, and a producer that reads the
// terminal is stopped until the timeout ends it, as before.
package terminal

import "errors"

// ErrInterrupted is wrapped by the error of a run that the user ended from
// the terminal (Ctrl-C or Ctrl-\) while the command held it.
var ErrInterrupted = errors.New("interrupted from the terminal")
