// raw_ft.h: the fault-tolerance calls (ULFM, ft.go), included by raw.h.
#ifndef MPIGO_RAW_FT_H
#define MPIGO_RAW_FT_H

// Each call, or MPI_ERR_UNSUPPORTED_OPERATION where the library has no ULFM.
// MPIGO_ULFM is 1 where the library has ULFM: OpenMPI 5's ftmpi extension.
// MPICH 4.2 exports the MPIX_ calls too, but a job with its fault tolerance
// on (MPIR_CVAR_ENABLE_FT=1) aborts in MPI_Init_thread (measured on 4.2.1).
#if defined(OMPI_HAVE_MPI_EXT_FTMPI) && OMPI_HAVE_MPI_EXT_FTMPI
#define MPIGO_ULFM 1
#define MPIGO_FT(call) return call
#define MPIGO_ERR_PROC_FAILED MPIX_ERR_PROC_FAILED
#define MPIGO_ERR_PROC_FAILED_PENDING MPIX_ERR_PROC_FAILED_PENDING
#define MPIGO_ERR_REVOKED MPIX_ERR_REVOKED
#else
#define MPIGO_ULFM 0
#define MPIGO_FT(call) return MPI_ERR_UNSUPPORTED_OPERATION
#define MPIGO_ERR_PROC_FAILED MPIGO_ENUM_NONE
#define MPIGO_ERR_PROC_FAILED_PENDING MPIGO_ENUM_NONE
#define MPIGO_ERR_REVOKED MPIGO_ENUM_NONE
#endif
// mpigo_ft_enabled says whether this job runs with fault tolerance on
// (mpiexec --with-ft ulfm): the MPIX_FT attribute of MPI_COMM_WORLD.
static int mpigo_ft_enabled(int *on) {
	*on = 0;
#if MPIGO_ULFM
	int *v = NULL, flag = 0;
	int rc = MPI_Comm_get_attr(MPI_COMM_WORLD, MPIX_FT, &v, &flag);
	*on = rc == MPI_SUCCESS && flag && *v;
	mpigo_ft_on = *on;
	return rc;
#else
	return MPI_SUCCESS;
#endif
}
// mpigo_probe_failed is the error of a probe for src (an MPI rank, or
// MPI_ANY_SOURCE) on c that matched nothing, in a fault-tolerant job:
// OpenMPI 5.0.7's probes never report a failed source, not even one
// MPIX_Comm_get_failed lists (measured in C), so the binding's blocking
// receives, which poll with MPI_Improbe, would wait forever. Called once per
// polling round that matched nothing, not per probe.
static int mpigo_probe_failed(int src, MPI_Comm c) {
#if MPIGO_ULFM
	int revoked = 0, n = 0, rc = MPI_SUCCESS;
	if (MPIX_Comm_is_revoked(c, &revoked) == MPI_SUCCESS && revoked) return MPIX_ERR_REVOKED;
	if (src == MPI_PROC_NULL) return MPI_SUCCESS;
	MPI_Group failed;
	if (MPIX_Comm_get_failed(c, &failed) != MPI_SUCCESS) return MPI_SUCCESS;
	MPI_Group_size(failed, &n);
	if (n > 0 && src == MPI_ANY_SOURCE) {
		int acked = 0;
		MPIX_Comm_ack_failed(c, 0, &acked); // acknowledges none: counts those acknowledged
		if (n > acked) rc = MPIX_ERR_PROC_FAILED_PENDING;
	} else if (n > 0) {
		int inter = 0, in_failed = MPI_UNDEFINED;
		MPI_Group peers;
		MPI_Comm_test_inter(c, &inter);
		if ((inter ? MPI_Comm_remote_group(c, &peers) : MPI_Comm_group(c, &peers)) == MPI_SUCCESS) {
			MPI_Group_translate_ranks(peers, 1, &src, failed, &in_failed);
			MPI_Group_free(&peers);
		}
		if (in_failed != MPI_UNDEFINED) rc = MPIX_ERR_PROC_FAILED;
	}
	MPI_Group_free(&failed);
	return rc;
#else
	return MPI_SUCCESS;
#endif
}
static int mpigo_comm_revoke(MPI_Comm c) { MPIGO_FT(MPIX_Comm_revoke(c)); }
static int mpigo_comm_is_revoked(MPI_Comm c, int *flag) { MPIGO_FT(MPIX_Comm_is_revoked(c, flag)); }
static int mpigo_comm_shrink(MPI_Comm c, MPI_Comm *n) { MPIGO_FT(MPIX_Comm_shrink(c, n)); }
static int mpigo_comm_get_failed(MPI_Comm c, MPI_Group *g) { MPIGO_FT(MPIX_Comm_get_failed(c, g)); }
static int mpigo_comm_ack_failed(MPI_Comm c, int n, int *acked) { MPIGO_FT(MPIX_Comm_ack_failed(c, n, acked)); }
// MPIX_Comm_iagree keeps flag until the request completes (Go pins it).
static mpigo_res mpigo_iagree(uintptr_t flag, mpigo_h comm) {
	mpigo_res r = {0};
	MPI_Request req = MPI_REQUEST_NULL;
#if MPIGO_ULFM
	r.rc = MPIX_Comm_iagree(COMM(comm), (int *)PTR(flag), &req);
#else
	r.rc = MPI_ERR_UNSUPPORTED_OPERATION;
#endif
	r.req = H(req);
	return r;
}

#endif
