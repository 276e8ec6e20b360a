# Sets KDFACE_HAVE_CUDA and enables the CUDA language when the compiler is usable.
# KDFACE_CUDA=EMU instead compiles every .cu file as host C++ against the emulated device
# (cudaemu/): KDFACE_HAVE_CUDA and KDFACE_CUDA_EMU are both on, nvcc is not used.
set(KDFACE_HAVE_CUDA OFF)
set(KDFACE_CUDA_EMU OFF)
if(KDFACE_CUDA STREQUAL "EMU")
  set(KDFACE_HAVE_CUDA ON)
  set(KDFACE_CUDA_EMU ON)
  message(STATUS "kdface: CUDA backend on the emulated device (cudaemu/): .cu files compiled as host C++")
elseif(NOT KDFACE_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    # sm_90 (H100/H200) by default; override with -DCMAKE_CUDA_ARCHITECTURES=...
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 90)
    endif()
    enable_language(CUDA)
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit REQUIRED)
    set(KDFACE_HAVE_CUDA ON)
  elseif(KDFACE_CUDA STREQUAL "ON")
    message(FATAL_ERROR "KDFACE_CUDA=ON but no CUDA compiler was found (set CMAKE_CUDA_COMPILER)")
  else()
    message(STATUS "kdface: no CUDA compiler found, building the CPU backend only")
  endif()
endif()

# cuDNN: the baseline convolution backend, chosen at run time (KDFACE_CONV=cudnn). Sets
# KDFACE_HAVE_CUDNN, KDFACE_CUDNN_INCLUDE and KDFACE_CUDNN_LIB. Looked for under CUDNN_ROOT,
# the CUDA toolkit, the system, and pip's nvidia-cudnn wheels (which ship only the versioned
# libcudnn.so.9, hence that name; cuDNN 9 finds its sub-libraries beside it through $ORIGIN).
set(KDFACE_HAVE_CUDNN OFF)
if(KDFACE_CUDA_EMU)
  message(STATUS "kdface: cuDNN not built on the emulated device; KDFACE_CONV=cudnn will be an error")
elseif(KDFACE_HAVE_CUDA AND NOT KDFACE_CUDNN STREQUAL "OFF")
  set(CUDNN_ROOT "$ENV{CUDNN_ROOT}" CACHE PATH "cuDNN prefix holding include/cudnn.h and lib/libcudnn.so*")
  file(GLOB KDFACE_CUDNN_WHEELS LIST_DIRECTORIES true
    /opt/*/.venv/lib/python3*/site-packages/nvidia/cudnn
    /usr/local/lib/python3*/dist-packages/nvidia/cudnn
    /usr/local/lib/python3*/site-packages/nvidia/cudnn
    /usr/lib/python3/dist-packages/nvidia/cudnn
    $ENV{VIRTUAL_ENV}/lib/python3*/site-packages/nvidia/cudnn
    $ENV{CONDA_PREFIX}/lib/python3*/site-packages/nvidia/cudnn
    $ENV{HOME}/.local/lib/python3*/site-packages/nvidia/cudnn)
  set(KDFACE_CUDNN_HINTS ${CUDNN_ROOT} $ENV{CUDNN_ROOT} ${CUDAToolkit_LIBRARY_ROOT} ${KDFACE_CUDNN_WHEELS})
  find_path(KDFACE_CUDNN_INCLUDE cudnn.h
    HINTS ${KDFACE_CUDNN_HINTS} ${CUDAToolkit_INCLUDE_DIRS} PATH_SUFFIXES include)
  find_library(KDFACE_CUDNN_LIB NAMES cudnn libcudnn.so.9
    HINTS ${KDFACE_CUDNN_HINTS} ${CUDAToolkit_LIBRARY_DIR} PATH_SUFFIXES lib lib64 lib/x86_64-linux-gnu)
  set(KDFACE_CUDNN_VERSION "")
  if(KDFACE_CUDNN_INCLUDE)
    # cuDNN 8+ keeps the version in cudnn_version.h; the legacy convolution API used here
    # (group count, *_v7 heuristics) needs 8 or newer.
    foreach(part MAJOR MINOR)
      file(STRINGS ${KDFACE_CUDNN_INCLUDE}/cudnn_version.h line REGEX "^#define CUDNN_${part} [0-9]+")
      string(REGEX REPLACE "^#define CUDNN_${part} ([0-9]+).*" "\\1" CUDNN_${part} "${line}")
    endforeach()
    if(CUDNN_MAJOR)
      set(KDFACE_CUDNN_VERSION "${CUDNN_MAJOR}.${CUDNN_MINOR}")
    endif()
  endif()
  if(KDFACE_CUDNN_INCLUDE AND KDFACE_CUDNN_LIB AND KDFACE_CUDNN_VERSION VERSION_GREATER_EQUAL 8)
    set(KDFACE_HAVE_CUDNN ON)
    message(STATUS "kdface: cuDNN ${KDFACE_CUDNN_VERSION}: ${KDFACE_CUDNN_LIB} (headers ${KDFACE_CUDNN_INCLUDE})")
  elseif(KDFACE_CUDNN STREQUAL "ON")
    message(FATAL_ERROR "KDFACE_CUDNN=ON but cuDNN 8+ was not found (header: ${KDFACE_CUDNN_INCLUDE}, "
                        "library: ${KDFACE_CUDNN_LIB}, version: '${KDFACE_CUDNN_VERSION}'); set CUDNN_ROOT")
  else()
    message(STATUS "kdface: cuDNN not found (set CUDNN_ROOT to use it); KDFACE_CONV=cudnn will be an error")
  endif()
elseif(KDFACE_CUDNN STREQUAL "ON")
  message(FATAL_ERROR "KDFACE_CUDNN=ON needs the CUDA backend (KDFACE_CUDA is OFF or no CUDA compiler was found)")
else()
  message(STATUS "kdface: cuDNN not used (KDFACE_CUDNN=${KDFACE_CUDNN}, CUDA=${KDFACE_HAVE_CUDA})")
endif()

# The .cu files of the current directory's target, compiled for the emulated device: as C++
# (gcc does not know the .cu suffix), with the emulator's prelude (__global__, __shared__,
# threadIdx, ...) force-included; #pragma unroll means nothing to gcc.
function(kd_emulate_cuda_sources)
  if(KDFACE_CUDA_EMU)
    set_source_files_properties(${ARGN} PROPERTIES LANGUAGE CXX
      COMPILE_OPTIONS "-xc++;-include;kd_emu/prelude.h;-Wno-unknown-pragmas")
  endif()
endfunction()
