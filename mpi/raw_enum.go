package mpi

import "sync"

// enumMap maps a Go enumeration to the library's values: the rows of
// calls.tab name each Go constant and its C value, so no numbering is kept
// in step by hand (zenum.go holds the maps). The values are read once, on
// first use; a member the library lacks (a row marked openmpi, built with
// MPICH) has the value none.
type enumMap[T, V comparable] struct {
	goValues []T
	of       func(i int) V // member i's value (mpigo_enum_<T> in zraw.h)
	none     V

	once sync.Once
	c    []V
}

func (m *enumMap[T, V]) load() {
	m.once.Do(func() {
		m.c = make([]V, len(m.goValues))
		for i := range m.goValues {
			m.c[i] = m.of(i)
		}
	})
}

// toC returns the library's value of k, and false if it has none.
func (m *enumMap[T, V]) toC(k T) (V, bool) {
	m.load()
	for i, g := range m.goValues {
		if g == k && m.c[i] != m.none {
			return m.c[i], true
		}
	}
	return m.none, false
}

// fromC returns the Go constant of the library's value v, and false if none has it.
func (m *enumMap[T, V]) fromC(v V) (T, bool) {
	m.load()
	for i, c := range m.c {
		if c == v && c != m.none {
			return m.goValues[i], true
		}
	}
	var zero T
	return zero, false
}
