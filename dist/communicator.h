#pragma once
// The processes of a data-parallel run and the collectives kdface needs between them.
// One process per GPU or per CPU share of a node; rank and size come from the launcher
// (mpirun, srun) through MPI. A run without a launcher is a world of one, where every
// collective is the identity, so single-process training takes the same code path.
//
// Sums are reproducible: every rank receives the same bits, and the same inputs give the same
// result run after run (MPI: a non-commutative sum, which MPI must apply in rank order).
#include <cstdint>
#include <memory>
#include <string>

#include "engine/tensor.h"

namespace kd::dist {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual std::string name() const = 0;  // "single", "mpi", "nccl"

  // Starts an in-place sum of t over ranks; t must stay alive and untouched until wait(h).
  virtual int64_t start_sum(const Tensor& t) = 0;
  virtual bool done(int64_t handle) = 0;  // polls; lets a nonblocking reduction progress
  virtual void wait(int64_t handle) = 0;
  void sum(const Tensor& t) { wait(start_sum(t)); }

  virtual void max(const Tensor& t) = 0;                 // in place, elementwise
  virtual void broadcast(const Tensor& t, int root) = 0;  // in place
  // Every rank's t (same shape everywhere) concatenated along dim 0 in rank order.
  virtual Tensor all_gather(const Tensor& t) = 0;
  virtual void barrier() = 0;
  // Ends the job on every rank (after an error on this one); does not return.
  [[noreturn]] virtual void abort(int code) = 0;
};

// The world of this process: MPI when started by a launcher that MPI recognises and kdface was
// built with MPI, else a world of one. The first call decides; later calls return the same.
Communicator& world();
// The world if world() has made it, else null (error paths that must not start MPI).
Communicator* existing_world();
// True when the environment says this process was started by mpirun / srun.
bool launched_by_mpi();
// Frees the MPI world (MPI_Finalize) before exit; a no-op for a world of one.
void finalize_world();
// Whether this build has MPI (the CMake option found it).
bool have_mpi();

// The world of one: collectives are identities.
std::unique_ptr<Communicator> make_single();

// This process's index among the ranks on its node (OMPI_COMM_WORLD_LOCAL_RANK, SLURM_LOCALID),
// 0 without a launcher: the GPU a rank drives.
int local_rank();
// Whether this build has NCCL (CUDA on a real device and NCCL found).
bool have_nccl();
// NCCL between the ranks of `boot` (which carries the NCCL id: MPI, or a world of one), one GPU each:
// device tensors only. Throws where have_nccl() is false.
std::unique_ptr<Communicator> make_nccl(Communicator& boot, int device);

}  // namespace kd::dist
