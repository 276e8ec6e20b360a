# Third-party libraries, all from Debian packages (scripts/setup.sh installs them).
find_package(nlohmann_json 3.10 QUIET)
if(NOT nlohmann_json_FOUND)
  # The GPU machine has no registry: tools/device-bundle.sh carries the header there.
  find_path(KDFACE_JSON_INCLUDE nlohmann/json.hpp PATHS ${CMAKE_SOURCE_DIR}/.device/include REQUIRED)
  add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
  set_target_properties(nlohmann_json::nlohmann_json PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${KDFACE_JSON_INCLUDE})
endif()

find_package(OpenMP)

set(KDFACE_HAVE_BLAS OFF)
if(NOT KDFACE_BLAS STREQUAL "OFF")
  find_path(KDFACE_CBLAS_INCLUDE cblas.h PATH_SUFFIXES openblas openblas-pthread)
  find_library(KDFACE_OPENBLAS_LIB NAMES openblas)
  if(KDFACE_CBLAS_INCLUDE AND KDFACE_OPENBLAS_LIB)
    set(KDFACE_HAVE_BLAS ON)
  elseif(KDFACE_BLAS STREQUAL "ON")
    message(FATAL_ERROR "KDFACE_BLAS=ON but OpenBLAS (libopenblas-dev) was not found")
  endif()
endif()

# AUTO: data-parallel training over MPI when Open MPI (libopenmpi-dev) is found; without it
# kdface-train runs as one process and refuses an MPI launch with a message.
set(KDFACE_MPI AUTO CACHE STRING "MPI data parallelism: AUTO, ON or OFF")
set_property(CACHE KDFACE_MPI PROPERTY STRINGS AUTO ON OFF)
set(KDFACE_HAVE_MPI OFF)
if(NOT KDFACE_MPI STREQUAL "OFF")
  find_package(MPI COMPONENTS CXX QUIET)
  if(MPI_CXX_FOUND)
    set(KDFACE_HAVE_MPI ON)
  elseif(KDFACE_MPI STREQUAL "ON")
    message(FATAL_ERROR "KDFACE_MPI=ON but MPI (libopenmpi-dev) was not found")
  endif()
endif()
