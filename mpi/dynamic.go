package mpi

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Dynamic processes: a job starts more processes (Spawn), or two jobs
// started apart connect (a port opened by one, Accept there and Connect in
// the other, its name passed on or published). Each gives an
// intercommunicator: the local group is the caller's, the remote group the
// other job's, and point-to-point ranks name remote ranks. Disconnect ends
// such a connection, waiting for the messages in flight.
//
// These calls wait on other processes for as long as it takes (a Connect
// for its Accept), inside one MPI call: at ThreadSingle and ThreadSerialized
// that call holds the binding's lock meanwhile, so other goroutines make no
// MPI call until it returns; at ThreadMultiple they carry on.
//
// With OpenMPI 4.1, jobs started by separate mpiexec commands find each
// other through ompi-server: start it (ompi-server --report-uri FILE) and
// give every mpiexec --ompi-server file:FILE. Without it, Connect and
// LookupName across jobs fail (Spawn and ports within one job need nothing).

// SpawnCommand is one program for SpawnMultiple.
type SpawnCommand struct {
	Command string   // the executable (a path, or a name found on PATH)
	Args    []string // its arguments, without the program name
	Procs   int      // how many copies to start
	Info    *Info    // placement and other hints (nil: none): "host", "wdir", …
}

// spawnSpec is a SpawnCommand with its Info's handle.
type spawnSpec struct {
	command string
	args    []string
	procs   int
	info    infoHandle
}

// Spawn starts procs copies of command with args as a new job
// (MPI_Comm_spawn) and returns the intercommunicator to it: its remote
// group is the children's World, in which they call Parent to reach this
// job. Collective over c; command, args, procs and info matter at root only.
// If some children cannot be started, the error says how many and why, and
// no communicator is returned. Errors: a bad root, procs below 1, an empty
// command (at root).
func (c *Comm) Spawn(command string, args []string, procs int, info *Info, root int) (*Comm, error) {
	return c.SpawnMultiple([]SpawnCommand{{Command: command, Args: args, Procs: procs, Info: info}}, root)
}

// SpawnMultiple starts several programs as one new job
// (MPI_Comm_spawn_multiple): the children of cmds[0] come first in the
// children's World, then those of cmds[1], and so on. As Spawn otherwise.
func (c *Comm) SpawnMultiple(cmds []SpawnCommand, root int) (*Comm, error) {
	const op = "Spawn"
	specs, err := c.checkSpawn(op, cmds, root)
	if err = c.enter(op, err); err != nil {
		return nil, err
	}
	h, codes, rc := rawSpawn(c.h, specs, root)
	var failed []string
	for i, code := range codes {
		if code != 0 && len(failed) < 4 {
			failed = append(failed, fmt.Sprintf("child %d: %v", i, libraryError(op, code)))
		}
	}
	if err := mpiError(op, rc); err != nil {
		if len(failed) > 0 {
			err = fmt.Errorf("%w (%s)", err, strings.Join(failed, "; "))
		}
		return nil, err
	}
	if len(failed) > 0 { // started in part: MPI still made the communicator
		nc, _ := newComm(h, false)
		if nc != nil {
			nc.Disconnect()
		}
		return nil, errorf(ClassSpawn, op, "%d of %d children did not start: %s", countNonzero(codes), len(codes), strings.Join(failed, "; "))
	}
	return newComm(h, false)
}

func countNonzero(v []int) int {
	n := 0
	for _, x := range v {
		if x != 0 {
			n++
		}
	}
	return n
}

// checkSpawn checks the arguments (those of cmds at root only) and returns
// them as the raw call takes them.
func (c *Comm) checkSpawn(op string, cmds []SpawnCommand, root int) ([]spawnSpec, error) {
	if err := c.checkIntraOnly(op); err != nil {
		return nil, err
	}
	if err := c.checkRank(op, "root", root, false); err != nil {
		return nil, err
	}
	if c.rank != root {
		return []spawnSpec{{info: infoNull}}, nil
	}
	if len(cmds) == 0 {
		return nil, errorf(ClassArg, op, "no command to spawn")
	}
	specs := make([]spawnSpec, len(cmds))
	for i, cmd := range cmds {
		switch {
		case cmd.Command == "" || strings.ContainsRune(cmd.Command, 0):
			return nil, errorf(ClassArg, op, "command %d: empty, or holds a NUL byte", i)
		case cmd.Procs < 1:
			return nil, errorf(ClassArg, op, "command %d (%s): %d processes, want at least 1", i, cmd.Command, cmd.Procs)
		}
		for _, a := range cmd.Args {
			if strings.ContainsRune(a, 0) {
				return nil, errorf(ClassArg, op, "command %d (%s): an argument holds a NUL byte", i, cmd.Command)
			}
		}
		h, err := cmd.Info.handle(op)
		if err != nil {
			return nil, err
		}
		specs[i] = spawnSpec{command: cmd.Command, args: cmd.Args, procs: cmd.Procs, info: h}
	}
	return specs, nil
}

var parent struct {
	once sync.Once
	comm *Comm
	err  error
}

// Parent returns the intercommunicator to the job that spawned this one
// (MPI_Comm_get_parent), the same one on every call, or nil if this job was
// not spawned. Its remote group is the parent job's ranks that called Spawn.
func Parent() (*Comm, error) {
	if err := checkState("Parent"); err != nil {
		return nil, err
	}
	parent.once.Do(func() {
		h := commNull
		rc := mpiCommGetParent(&h)
		if parent.err = mpiError("Parent", rc); parent.err != nil || h == commNull {
			return
		}
		parent.comm, parent.err = newComm(h, false)
	})
	return parent.comm, parent.err
}

// Disconnect ends c (MPI_Comm_disconnect): it waits for every message in
// flight on c to complete, then frees it, so that two jobs connected by
// Spawn or Connect may end apart. Collective over both groups of an
// intercommunicator. c cannot be used afterwards.
func (c *Comm) Disconnect() error {
	if err := c.release("Disconnect"); err != nil {
		return err
	}
	h := c.h
	return mpiError("Disconnect", mpiCommDisconnect(&h))
}

// OpenPort opens a port another job can Connect to (MPI_Open_port) and
// returns its name: pass it on (a file, a message) or publish it
// (PublishName). Close it with ClosePort.
func OpenPort(info *Info) (string, error) {
	if err := checkState("OpenPort"); err != nil {
		return "", err
	}
	h, err := info.handle("OpenPort")
	if err != nil {
		return "", err
	}
	buf := make([]byte, libPortName+1)
	rc := mpiOpenPort(h, buf)
	return cString(buf), mpiError("OpenPort", rc)
}

// ClosePort closes a port of OpenPort (MPI_Close_port).
func ClosePort(port string) error {
	if err := checkPort("ClosePort", port); err != nil {
		return err
	}
	return mpiError("ClosePort", mpiClosePort(port))
}

// maxPortName is MPI_MAX_PORT_NAME less the NUL (1024 in OpenMPI and MPICH).
const maxPortName = 1023

func checkPort(op, port string) error {
	if err := checkState(op); err != nil {
		return err
	}
	if port == "" || strings.ContainsRune(port, 0) || len(port) > maxPortName {
		return errorf(ClassPort, op, "bad port name %q", port)
	}
	return nil
}

// Accept waits for a job to Connect to port and returns the
// intercommunicator to it (MPI_Comm_accept). Collective over c; port and
// info matter at root only. It waits for as long as no one connects.
func (c *Comm) Accept(port string, info *Info, root int) (*Comm, error) {
	return c.connect("Accept", port, info, root, false)
}

// Connect connects to the port a job opened and Accepts on, and returns the
// intercommunicator to it (MPI_Comm_connect). Collective over c; port and
// info matter at root only. Errors: ErrPort for a port no one accepts on.
func (c *Comm) Connect(port string, info *Info, root int) (*Comm, error) {
	return c.connect("Connect", port, info, root, true)
}

func (c *Comm) connect(op, port string, info *Info, root int, connect bool) (*Comm, error) {
	err := c.checkIntraOnly(op)
	if err == nil {
		err = c.checkRank(op, "root", root, false)
	}
	h := infoNull
	if err == nil && c.rank == root {
		if err = checkPort(op, port); err == nil {
			h, err = info.handle(op)
		}
	}
	if err = c.enter(op, err); err != nil {
		return nil, err
	}
	ic := commNull
	var rc int
	if connect {
		rc = mpiCommConnect(port, h, root, c.h, &ic)
	} else {
		rc = mpiCommAccept(port, h, root, c.h, &ic)
	}
	if err := mpiError(op, rc); err != nil {
		return nil, err
	}
	return newComm(ic, false)
}

// PublishName publishes port under service (MPI_Publish_name), for
// LookupName in other jobs (with OpenMPI, through ompi-server).
func PublishName(service, port string, info *Info) error {
	_, err := nameService("PublishName", service, port, info, func(h infoHandle) (string, int) {
		return "", mpiPublishName(service, h, port)
	})
	return err
}

// UnpublishName withdraws a name of PublishName (MPI_Unpublish_name).
func UnpublishName(service, port string, info *Info) error {
	_, err := nameService("UnpublishName", service, port, info, func(h infoHandle) (string, int) {
		return "", mpiUnpublishName(service, h, port)
	})
	return err
}

// LookupName returns the port published under service (MPI_Lookup_name);
// ErrName if none is.
func LookupName(service string, info *Info) (string, error) {
	return nameService("LookupName", service, "", info, func(h infoHandle) (string, int) {
		buf := make([]byte, libPortName+1)
		rc := mpiLookupName(service, h, buf)
		return cString(buf), rc
	})
}

// nameService checks the arguments of a name service call, then runs it
// (call); port is "" for LookupName.
func nameService(op string, service, port string, info *Info, call func(infoHandle) (string, int)) (string, error) {
	lookup := port == ""
	if err := checkState(op); err != nil {
		return "", err
	}
	if service == "" || strings.ContainsRune(service, 0) {
		return "", errorf(ClassName, op, "bad service name %q", service)
	}
	if !lookup {
		if err := checkPort(op, port); err != nil {
			return "", err
		}
	}
	h, err := info.handle(op)
	if err != nil {
		return "", err
	}
	got, rc := call(h)
	if err := mpiError(op, rc); err != nil {
		var e *Error
		if lookup && errors.As(err, &e) && e.Class != ClassName {
			// OpenMPI answers a missing name with MPI_ERR_NAME or, without a
			// name server, other classes: say what was looked up.
			return "", fmt.Errorf("%w (no name server? OpenMPI needs ompi-server across jobs)", err)
		}
		return "", err
	}
	return got, nil
}
