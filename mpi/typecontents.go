package mpi

// Type introspection (MPI_Type_get_envelope, MPI_Type_get_contents): how a
// datatype was made, for tools that walk a type (a serializer, a layout
// printer) and for types that came from C (DatatypeFromHandle, a File's
// view).

// Combiner is the constructor that made a datatype (MPI_COMBINER_*).
type Combiner int

const (
	CombinerNamed         Combiner = iota // a predefined type
	CombinerDup                           // Datatype.Dup
	CombinerContiguous                    // Contiguous
	CombinerVector                        // Vector
	CombinerHvector                       // Hvector
	CombinerIndexed                       // Indexed
	CombinerHindexed                      // Hindexed
	CombinerIndexedBlock                  // IndexedBlock
	CombinerHindexedBlock                 // HindexedBlock
	CombinerStruct                        // StructType
	CombinerSubarray                      // Subarray
	CombinerDarray                        // Darray
	CombinerResized                       // Resized
	CombinerOther                         // one this package does not name (Fortran's, MPI-4's large-count ones)
)

// Envelope returns which constructor made d and how many integers,
// addresses and types Contents returns for it (MPI_Type_get_envelope).
func (d *Datatype) Envelope() (c Combiner, ints, addrs, types int, err error) {
	const op = "Datatype.Envelope"
	if err := d.usable(op); err != nil {
		return CombinerOther, 0, 0, 0, err
	}
	var combiner int
	if err := mpiError(op, mpiTypeGetEnvelope(d.h, &ints, &addrs, &types, &combiner)); err != nil {
		return CombinerOther, 0, 0, 0, err
	}
	c, ok := enumCombiner.fromC(combiner)
	if !ok {
		c = CombinerOther
	}
	return c, ints, addrs, types, nil
}

// Contents returns the arguments d was made with (MPI_Type_get_contents),
// in MPI's order for its constructor: for Vector, ints are count,
// blocklength, stride and types the old type; for Subarray, ints are ndims,
// the sizes, subsizes, starts and the order. Each type that is not
// predefined is a new Datatype, for the caller to Free. A predefined d has
// no contents (ErrType).
func (d *Datatype) Contents() (ints []int, addrs []int64, types []*Datatype, err error) {
	const op = "Datatype.Contents"
	c, ni, na, nt, err := d.Envelope()
	if err != nil {
		return nil, nil, nil, err
	}
	if c == CombinerNamed {
		return nil, nil, nil, errorf(ClassType, op, "%s is predefined: it has no contents", d)
	}
	ints, addrs, hs := make([]int, ni), make([]int64, na), make([]dtypeHandle, nt)
	if err := mpiError(op, mpiTypeGetContents(d.h, ni, na, nt, ints, addrs, hs)); err != nil {
		return nil, nil, nil, err
	}
	types = make([]*Datatype, nt)
	for i, h := range hs {
		if types[i], err = viewType(op, h, "type of "+d.String()); err != nil {
			return nil, nil, nil, err
		}
	}
	return ints, addrs, types, nil
}
