#include <cstdlib>

#include "dist/communicator.h"
#include "engine/check.h"

namespace kd::dist {

#ifdef KDFACE_HAVE_MPI
std::unique_ptr<Communicator> make_mpi();
bool have_mpi() { return true; }
#else
bool have_mpi() { return false; }
#endif

namespace {
std::unique_ptr<Communicator>& world_ptr() {
  static std::unique_ptr<Communicator> w;
  return w;
}
}  // namespace

bool launched_by_mpi() {
  // Open MPI's mpirun, PMIx direct launch (srun --mpi=pmix), and PMI-1/2 launchers.
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (const char* e = std::getenv(v); e && *e) return true;
  return false;
}

Communicator& world() {
  auto& w = world_ptr();
  if (!w) {
    if (launched_by_mpi()) {
#ifdef KDFACE_HAVE_MPI
      w = make_mpi();
#else
      KD_FAIL("this process was started by an MPI launcher, but kdface was built without MPI; install Open MPI "
              "(apt-get install libopenmpi-dev) and rebuild (scripts/setup.sh)");
#endif
    } else {
      w = make_single();
    }
  }
  return *w;
}

int local_rank() {
  for (const char* v : {"OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID", "MPI_LOCALRANKID"})
    if (const char* e = std::getenv(v); e && *e) return std::atoi(e);
  return 0;
}

#ifdef KDFACE_HAVE_NCCL
bool have_nccl() { return true; }
#else
bool have_nccl() { return false; }
std::unique_ptr<Communicator> make_nccl(Communicator&, int) {
  KD_FAIL("data parallel on GPUs needs NCCL: this kdface was built without it (CUDA, NCCL and MPI must all be found)");
}
#endif

Communicator* existing_world() { return world_ptr().get(); }

void finalize_world() { world_ptr().reset(); }

}  // namespace kd::dist
