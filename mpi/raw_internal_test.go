package mpi

import "testing"

// roundTrip checks an enumeration of calls.tab: each member the library has
// maps to a value no other member has, and back to itself; required members
// must all be there.
func roundTrip[T, V comparable](t *testing.T, name string, m *enumMap[T, V], required bool) {
	t.Helper()
	m.load()
	owner := map[V]int{}
	for i, g := range m.goValues {
		c := m.c[i]
		if c == m.none {
			if required {
				t.Errorf("%s: member %d (%v) has no value in this library", name, i, g)
			}
			continue
		}
		if j, dup := owner[c]; dup {
			t.Errorf("%s: members %d (%v) and %d (%v) have the same value", name, j, m.goValues[j], i, g)
		}
		owner[c] = i
		if back, ok := m.fromC(c); !ok || back != g {
			t.Errorf("%s: member %d (%v) comes back as %v, %v", name, i, g, back, ok)
		}
	}
	if _, ok := m.fromC(m.none); ok {
		t.Errorf("%s: the value none maps to a member", name)
	}
}

// TestEnumerations runs before Init: the values are the library's
// compile-time constants and predefined handles.
func TestEnumerations(t *testing.T) {
	roundTrip(t, "ThreadLevel", enumThreadLevel, true)
	roundTrip(t, "Class", enumClass, false)
	for i, k := range enumClass.goValues {
		want := true // every MPI-3.1 class; ULFM's only where it is, MPI-4's likewise
		switch k {
		case ClassProcFailed, ClassProcFailedPending, ClassRevoked:
			want = haveULFM
		case ClassSession, ClassProcAborted, ClassValueTooLarge:
			want = haveMPI4
		}
		has := enumClass.c[i] != enumClass.none
		if k == ClassArg && !has {
			continue // MPI_ERR_ERRHANDLER: MPICH 4.2 only
		}
		if has != want {
			t.Errorf("Class row %d (%v): a value %v; want %v (ULFM %v, MPI-4 %v)", i, k, has, want, haveULFM, haveMPI4)
		}
	}
	roundTrip(t, "kind", enumkind, true)
	roundTrip(t, "locKind", enumlocKind, true)
	roundTrip(t, "opKind", enumopKind, true)
	roundTrip(t, "Comparison", enumComparison, true)
	roundTrip(t, "Topology", enumTopology, true)
	roundTrip(t, "lockKind", enumlockKind, true)
	roundTrip(t, "fileMode", enumfileMode, true)
	roundTrip(t, "seekWhence", enumseekWhence, true)
	roundTrip(t, "SplitKind", enumSplitKind, false)
	if _, ok := enumSplitKind.toC(SplitShared); !ok {
		t.Error("SplitShared has no value")
	}
	// Every Class the library reports maps to one of ours, never ClassUnknown
	// or a class this package detects itself.
	for i, k := range enumClass.goValues {
		if k == ClassUnknown || k == ClassNotInitialized || k == ClassFinalized || k == ClassMismatch {
			t.Errorf("Class row %d maps to %v", i, k)
		}
	}
}

// TestCallNames checks that every raw call has a trace name, and that the
// control calls come after the data calls (the dispatch runs a.fn from
// firstControl on).
func TestCallNames(t *testing.T) {
	for c := rawCall(0); c < numCalls; c++ {
		if callNames[c] == "" {
			t.Errorf("raw call %d has no name", c)
		}
	}
	if firstControl <= callSend || firstControl >= numCalls {
		t.Errorf("firstControl %d outside (%d, %d)", firstControl, callSend, numCalls)
	}
	// A data call reached with a control call's number and no function is
	// refused, not run.
	a := args{}
	if rc := callTypeDup.call(&a); rc == rcSuccess {
		t.Error("a control call with no function succeeded")
	}
}

// TestCStateShared: the C state raw.go defines is the one every cgo file's
// C code reads (a static variable of a header would be one copy per file).
func TestCStateShared(t *testing.T) {
	if !CShared() {
		t.Fatal("mpigo_wanting set from raw.go is not seen by exec.go's C code")
	}
}

// TestSentinels: the rank and tag wildcards raw.h translates are Go's.
func TestSentinels(t *testing.T) {
	if got, want := cSentinels(), [4]int{AnySource, AnyTag, ProcNull, Root}; got != want {
		t.Fatalf("raw.h's AnySource, AnyTag, ProcNull are %v, Go's %v", got, want)
	}
}
