//go:build !mpich

package usercgo

// #cgo pkg-config: ompi-c
import "C"
