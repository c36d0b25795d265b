//go:build windows

package execjson

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// command runs c.Shell as cmd.exe /D /C "LINE", the form of cmd.exe /c typed
// by hand. Without /S, cmd.exe strips the outer pair it is given and keeps
// every quote of LINE, except when LINE is a single quoted name of an
// existing program, whose quotes it also keeps: so a quoted program path
// with spaces and arguments after it keeps its quotes, and so does a profile
// value quoted whole (the config parser has already removed one pair, and
// /S would remove the next). /D skips AutoRun commands from the registry.
//
// The process starts suspended; runProcess puts it in a Job Object before it
// can start anything, so every process it starts is in the job too.
func command(ctx context.Context, c Command) *exec.Cmd {
	var cmd *exec.Cmd
	if len(c.Args) > 0 {
		cmd = exec.CommandContext(ctx, c.Args[0], c.Args[1:]...)
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	} else {
		shell := os.Getenv("ComSpec")
		if shell == "" {
			shell = filepath.Join(os.Getenv("SystemRoot"), "System32", "cmd.exe")
		}
		cmd = exec.CommandContext(ctx, shell)
		cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: shellLine(c.Shell)}
	}
	cmd.SysProcAttr.CreationFlags |= windows.CREATE_SUSPENDED
	return cmd
}

// shellLine is the raw command line that runs line under cmd.exe (see
// command), and how [Command.Line] renders it. A line that is the name of
// an existing file and nothing else, as a profile value quoted whole is
// once the config parser has removed its quotes, is quoted again: cmd.exe
// keeps the quotes of `cmd /c "NAME"` only when NAME holds none of
// &<>()@^| (cmd /?), and C:\Program Files (x86)\ holds two.
func shellLine(line string) string {
	if isFile(line) {
		line = `"` + line + `"`
	}
	return `cmd.exe /D /C "` + line + `"`
}

// isFile reports whether line, as a whole, names an existing file.
func isFile(line string) bool {
	if line == "" || strings.ContainsRune(line, '"') {
		return false
	}
	fi, err := os.Stat(line)
	return err == nil && fi.Mode().IsRegular()
}

// runProcess runs cmd in a Job Object that ends every process in it when
// the run is cancelled (timeout, ctx, output overflow) and when the run is
// over: a producer started by cmd.exe, or a grandchild holding stdout open,
// would otherwise outlive the run.
func runProcess(cmd *exec.Cmd) error {
	j, err := newJob()
	if err != nil {
		return err
	}
	defer j.close()
	// Keep the Cancel that Run installed (it records that the run was
	// stopped, so the exit status TerminateJobObject sets is not reported
	// as the command's own) and end the whole job after it.
	cancel := cmd.Cancel
	cmd.Cancel = func() error {
		if cancel != nil {
			cancel() //nolint:errcheck // the process may be gone; the job ends it anyway
		}
		return j.terminate()
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	if err := j.adopt(cmd.Process.Pid); err != nil {
		cmd.Process.Kill() //nolint:errcheck // it never ran; Wait reaps it
		cmd.Wait()         //nolint:errcheck // the adopt error is the one to report
		return err
	}
	return cmd.Wait()
}

// job is a Job Object whose processes are ended when it is terminated or
// its last handle is closed (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE).
type job struct {
	h windows.Handle

	mu         sync.Mutex
	terminated bool // terminate ran; a process adopted later is ended too
}

func newJob() (*job, error) {
	h, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("create job object: %w", err)
	}
	var info windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(h, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(h) //nolint:errcheck // nothing is in it yet
		return nil, fmt.Errorf("set job object limits: %w", err)
	}
	return &job{h: h}, nil
}

// adopt assigns the suspended process pid to the job and then resumes it.
func (j *job) adopt(pid int) error {
	p, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(pid))
	if err != nil {
		return fmt.Errorf("open process %d: %w", pid, err)
	}
	defer windows.CloseHandle(p) //nolint:errcheck // read-only use
	j.mu.Lock()
	err = windows.AssignProcessToJobObject(j.h, p)
	terminated := j.terminated
	j.mu.Unlock()
	if err != nil {
		return fmt.Errorf("assign process to job object: %w", err)
	}
	if terminated {
		// Cancelled between Start and the assignment: end it before it runs.
		return j.terminate()
	}
	return resume(uint32(pid))
}

// terminate ends every process in the job. It is the command's Cancel.
func (j *job) terminate() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.terminated = true
	if err := windows.TerminateJobObject(j.h, 1); err != nil {
		return fmt.Errorf("terminate job object: %w", err)
	}
	return nil
}

// close ends whatever is left in the job: a descendant of a command that
// has exited does not outlive the run.
func (j *job) close() {
	windows.CloseHandle(j.h) //nolint:errcheck // nothing to do about it
}

// resume resumes the threads of a process started with CREATE_SUSPENDED.
// os.StartProcess closes the handle of the first thread, so it is found by
// a thread snapshot.
func resume(pid uint32) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return fmt.Errorf("thread snapshot: %w", err)
	}
	defer windows.CloseHandle(snap) //nolint:errcheck // read-only use
	te := windows.ThreadEntry32{Size: uint32(unsafe.Sizeof(windows.ThreadEntry32{}))}
	resumed := 0
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if te.OwnerProcessID != pid {
			continue
		}
		t, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, te.ThreadID)
		if err != nil {
			return fmt.Errorf("open thread %d: %w", te.ThreadID, err)
		}
		_, err = windows.ResumeThread(t)
		windows.CloseHandle(t) //nolint:errcheck // read-only use
		if err != nil {
			return fmt.Errorf("resume thread %d: %w", te.ThreadID, err)
		}
		resumed++
	}
	if !errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return fmt.Errorf("thread snapshot: %w", err)
	}
	if resumed == 0 {
		return fmt.Errorf("resume process %d: no thread found", pid)
	}
	return nil
}

// killGroup ends the direct process; its descendants are ended with the job
// when runProcess returns.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill() //nolint:errcheck // the process may be gone
	}
}
