package main

import (
	"bytes"
	"fmt"
	"strings"
)

// A handle type: MPI_Comm and the rest cross into Go as mpigo_h (raw.h).
type handle struct{ conv, goType string }

var handles = map[string]handle{
	"MPI_Comm":     {"comm", "commHandle"},
	"MPI_Datatype": {"dtype", "dtypeHandle"},
	"MPI_Group":    {"group", "groupHandle"},
	"MPI_Op":       {"op", "opHandle"},
	"MPI_Request":  {"req", "reqHandle"},
	"MPI_Message":  {"msg", "msgHandle"},
	"MPI_Info":     {"info", "infoHandle"},
	"MPI_Win":      {"win", "winHandle"},
	"MPI_File":     {"file", "fileHandle"},
	"MPI_Session":  {"session", "sessionHandle"},
}

func handleOf(t string) *handle {
	if h, ok := handles[t]; ok {
		return &h
	}
	return nil
}

// scalars: C types passed by value, with their Go type and C conversion.
var scalars = map[string][2]string{
	"int":        {"int", "C.int"},
	"MPI_Aint":   {"int64", "C.MPI_Aint"},
	"MPI_Offset": {"int64", "C.MPI_Offset"},
	"MPI_Count":  {"int64", "C.MPI_Count"},
}

// A control call's parameter, as its Go wrapper takes and passes it.
type param struct {
	goDecl string   // name and Go type
	pre    []string // statements before the call
	arg    string   // the C argument
	post   []string // statements after it
}

// ctlParam maps one C parameter of a ctl row ("const int ranks[]") to Go.
func ctlParam(p string) (param, error) {
	p = strings.TrimSpace(p)
	if decl, value, fixed := strings.Cut(p, "="); fixed { // a value the binding always passes
		value = strings.TrimSpace(value)
		if !isLiteral(value) {
			return param{}, fmt.Errorf("fixed parameter %q: want a number or an MPI_ constant", p)
		}
		if strings.HasPrefix(value, "MPI_") {
			value = "C." + value
		}
		if strings.HasPrefix(strings.TrimSpace(decl), "int ") {
			value = "C.int(" + value + ")"
		}
		return param{arg: value}, nil
	}
	isConst := strings.HasPrefix(p, "const ")
	p = strings.TrimPrefix(p, "const ")
	arr3 := strings.HasSuffix(p, "[][3]")
	arr := !arr3 && strings.HasSuffix(p, "[]")
	p = strings.TrimSuffix(strings.TrimSuffix(p, "[][3]"), "[]")
	stars := strings.Count(p, "*")
	p = strings.ReplaceAll(p, "*", " ")
	f := strings.Fields(p)
	if len(f) != 2 {
		return param{}, fmt.Errorf("cannot read parameter %q", p)
	}
	ct, name := f[0], f[1]
	v := name + "_"
	switch {
	case ct == "bool" && stars == 0 && !arr:
		return param{goDecl: name + " bool", arg: "cbool(" + name + ")"}, nil
	case ct == "bool" && stars == 1:
		return param{goDecl: name + " *bool", pre: []string{"var " + v + " C.int"}, arg: "&" + v,
			post: []string{"*" + name + " = " + v + " != 0"}}, nil
	case ct == "char" && stars == 1 && isConst:
		return param{goDecl: name + " string",
			pre: []string{v + " := C.CString(" + name + ")", "defer C.free(unsafe.Pointer(" + v + "))"}, arg: v}, nil
	case ct == "char" && stars == 1:
		return param{goDecl: name + " []byte", arg: "(*C.char)(unsafe.Pointer(unsafe.SliceData(" + name + ")))"}, nil
	case ct == "void" && stars == 1:
		return param{goDecl: name + " unsafe.Pointer", arg: name}, nil
	case ct == "void" && stars == 2: // an address MPI fills in (MPI's prototype says void *)
		return param{goDecl: name + " *unsafe.Pointer", pre: []string{"var " + v + " unsafe.Pointer"},
			arg: "unsafe.Pointer(&" + v + ")", post: []string{"*" + name + " = " + v}}, nil
	case ct == "int" && arr3 && isConst:
		return param{goDecl: name + " [][3]int", pre: []string{v + " := ranges3(" + name + ")"},
			arg: "(*[3]C.int)(unsafe.Pointer(cptr(" + v + ")))"}, nil
	case ct == "int" && arr:
		pp := param{goDecl: name + " []int", pre: []string{v + " := cints(" + name + ")"}, arg: "cptr(" + v + ")"}
		if !isConst {
			pp.post = []string{"copyInts(" + name + ", " + v + ")"}
		}
		return pp, nil
	case ct == "MPI_Aint" && arr && isConst:
		return param{goDecl: name + " []int64", pre: []string{v + " := aints(" + name + ")"}, arg: "aptr(" + v + ")"}, nil
	case ct == "MPI_Datatype" && arr && isConst:
		return param{goDecl: name + " []dtypeHandle", pre: []string{v + " := ctypes(" + name + ")"}, arg: "typesPtr(" + v + ")"}, nil
	case ct == "MPI_Aint" && arr: // filled in by MPI
		return param{goDecl: name + " []int64", pre: []string{v + " := aints(" + name + ")"}, arg: "aptr(" + v + ")",
			post: []string{"copyAints(" + name + ", " + v + ")"}}, nil
	case ct == "MPI_Datatype" && arr:
		return param{goDecl: name + " []dtypeHandle", pre: []string{v + " := ctypes(" + name + ")"}, arg: "typesPtr(" + v + ")",
			post: []string{"copyTypes(" + name + ", " + v + ")"}}, nil
	}
	if h := handleOf(ct); h != nil && !arr {
		switch stars {
		case 0:
			return param{goDecl: name + " " + h.goType, arg: "C.mpigo_to_" + h.conv + "(" + name + ")"}, nil
		case 1:
			return param{goDecl: name + " *" + h.goType, pre: []string{v + " := C.mpigo_to_" + h.conv + "(*" + name + ")"},
				arg: "&" + v, post: []string{"*" + name + " = C.mpigo_of_" + h.conv + "(" + v + ")"}}, nil
		}
	}
	if s, ok := scalars[ct]; ok && !arr {
		switch stars {
		case 0:
			return param{goDecl: name + " " + s[0], arg: s[1] + "(" + name + ")"}, nil
		case 1:
			return param{goDecl: name + " *" + s[0], pre: []string{v + " := " + s[1] + "(*" + name + ")"}, arg: "&" + v,
				post: []string{"*" + name + " = " + s[0] + "(" + v + ")"}}, nil
		}
	}
	return param{}, fmt.Errorf("no Go form for parameter %q", p)
}

// goCtl writes zraw_<chapter>.go: a Go function per control call.
func goCtl(chapter string, rows []row) ([]byte, error) {
	var b bytes.Buffer
	for _, r := range rows {
		var decls, args, pre, post []string
		for _, p := range r.params {
			pp, err := ctlParam(p)
			if err != nil {
				return nil, fmt.Errorf("calls.tab:%d: %v", r.line, err)
			}
			if pp.goDecl != "" {
				decls = append(decls, pp.goDecl)
			}
			args = append(args, pp.arg)
			pre, post = append(pre, pp.pre...), append(post, pp.post...)
		}
		fmt.Fprintf(&b, "// mpi%s is %s, a control call.\n", r.name, r.trace)
		fmt.Fprintf(&b, "func mpi%s(%s) int {\n", r.name, strings.Join(decls, ", "))
		for _, s := range pre {
			b.WriteString("\t" + s + "\n")
		}
		run := fmt.Sprintf("ctl(call%s, func() C.int { return C.%s(%s) })", r.name, r.cfunc, strings.Join(args, ", "))
		if len(post) == 0 {
			fmt.Fprintf(&b, "\treturn %s\n}\n\n", run)
			continue
		}
		fmt.Fprintf(&b, "\trc := %s\n", run)
		for _, s := range post {
			b.WriteString("\t" + s + "\n")
		}
		b.WriteString("\treturn rc\n}\n\n")
	}
	head := header + "package mpi\n\n/*\n#include \"zraw.h\"\n*/\nimport \"C\"\n\n"
	if bytes.Contains(b.Bytes(), []byte("unsafe.")) {
		head += "import \"unsafe\"\n\n"
	}
	return append([]byte(head), b.Bytes()...), nil
}

// An enumeration: a Go type whose constants stand for the library's values.
type enum struct {
	goType, ctype string
	members       []row // in table order: member i is mpigo_enum_<type>(i)
}

func enums(rows []row) []enum {
	var out []enum
	idx := map[string]int{}
	for _, r := range rows {
		if r.kind != "enum" {
			continue
		}
		i, ok := idx[r.enumType]
		if !ok {
			i = len(out)
			idx[r.enumType] = i
			out = append(out, enum{goType: r.enumType, ctype: r.enumC})
		}
		out[i].members = append(out[i].members, r)
	}
	return out
}

// goEnums writes zenum.go: for each enumeration, its Go constants in table
// order, and the C function that gives member i's value (raw_enum.go).
func goEnums(rows []row) []byte {
	var b bytes.Buffer
	b.WriteString(header + "package mpi\n\n/*\n#include \"zraw.h\"\n*/\nimport \"C\"\n\n")
	for _, e := range enums(rows) {
		vt, of, none := "int", "int(C.mpigo_enum_%s(C.int(i)))", "int(C.MPIGO_ENUM_NONE)"
		if e.ctype != "int" {
			vt, of, none = "C.mpigo_h", "C.mpigo_enum_%s(C.int(i))", "0"
		}
		fmt.Fprintf(&b, "// enum%s maps %s to the library's values.\n", e.goType, e.goType)
		fmt.Fprintf(&b, "var enum%s = &enumMap[%s, %s]{\n\tnone: %s,\n\tgoValues: []%s{", e.goType, e.goType, vt, none, e.goType)
		for i, m := range e.members {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(m.enumGo)
		}
		fmt.Fprintf(&b, "},\n\tof: func(i int) %s { return "+of+" },\n}\n\n", vt, e.goType)
	}
	return b.Bytes()
}
