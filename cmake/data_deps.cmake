# Libraries for data/ and the tools, all Debian packages that scripts/setup.sh installs.
# Only the parts needed are used, so the GPU machine (no OpenCV, no dlib) still builds the
# engine, kernels, models, losses and their tests.
#   KDFACE_HAVE_TURBOJPEG: libturbojpeg0-dev (shard decoding in the loader)
#   KDFACE_HAVE_FACE_CV:   OpenCV core/imgproc/imgcodecs/objdetect + dlib (detection, alignment,
#                          masks) and the Haar cascades of opencv-data
find_path(KDFACE_TURBOJPEG_INCLUDE turbojpeg.h PATHS ${PROJECT_SOURCE_DIR}/.device/include)
find_library(KDFACE_TURBOJPEG_LIB NAMES turbojpeg PATHS ${PROJECT_SOURCE_DIR}/.device/lib)
set(KDFACE_HAVE_TURBOJPEG OFF)
if(KDFACE_TURBOJPEG_INCLUDE AND KDFACE_TURBOJPEG_LIB)
  set(KDFACE_HAVE_TURBOJPEG ON)
  add_library(kd_turbojpeg INTERFACE)
  target_include_directories(kd_turbojpeg INTERFACE ${KDFACE_TURBOJPEG_INCLUDE})
  target_link_libraries(kd_turbojpeg INTERFACE ${KDFACE_TURBOJPEG_LIB})
endif()

# Debian's split OpenCV packages ship no CMake config (only the libopencv-dev metapackage
# does, and it drags in 20 modules), so the four we use are found by hand.
find_path(KDFACE_OPENCV_INCLUDE opencv2/core.hpp PATH_SUFFIXES opencv4)
set(KDFACE_OPENCV_LIBS "")
set(KDFACE_HAVE_OPENCV ON)
foreach(m core imgproc imgcodecs objdetect)
  find_library(KDFACE_OPENCV_${m} NAMES opencv_${m})
  if(KDFACE_OPENCV_${m})
    list(APPEND KDFACE_OPENCV_LIBS ${KDFACE_OPENCV_${m}})
  else()
    message(STATUS "kdface: libopencv_${m} not found (scripts/setup.sh installs libopencv-${m}-dev)")
    set(KDFACE_HAVE_OPENCV OFF)
  endif()
endforeach()
if(NOT KDFACE_OPENCV_INCLUDE)
  set(KDFACE_HAVE_OPENCV OFF)
endif()
# The profile and frontal Haar cascades (Debian opencv-data) for faces dlib's HOG misses.
find_path(KDFACE_OPENCV_CASCADES haarcascade_profileface.xml PATHS /usr/share /usr/local/share
          PATH_SUFFIXES opencv4/haarcascades opencv/haarcascades)
if(NOT KDFACE_OPENCV_CASCADES)
  message(STATUS "kdface: OpenCV's Haar cascades not found (scripts/setup.sh installs opencv-data)")
  set(KDFACE_HAVE_OPENCV OFF)
endif()
find_package(dlib QUIET)

set(KDFACE_HAVE_FACE_CV OFF)
if(KDFACE_HAVE_OPENCV AND dlib_FOUND AND KDFACE_HAVE_TURBOJPEG)
  set(KDFACE_HAVE_FACE_CV ON)
  add_library(kd_opencv INTERFACE)
  target_include_directories(kd_opencv INTERFACE ${KDFACE_OPENCV_INCLUDE})
  target_link_libraries(kd_opencv INTERFACE ${KDFACE_OPENCV_LIBS})
  # OpenCV's DNN module runs exported ONNX models in the parity test (libopencv-dnn-dev);
  # nothing in the product links it.
  find_library(KDFACE_OPENCV_dnn NAMES opencv_dnn)
  if(KDFACE_OPENCV_dnn)
    add_library(kd_opencv_dnn INTERFACE)
    target_link_libraries(kd_opencv_dnn INTERFACE kd_opencv ${KDFACE_OPENCV_dnn})
  else()
    message(STATUS "kdface: libopencv_dnn not found, so the OpenCV DNN parity test is not built (scripts/setup.sh installs libopencv-dnn-dev)")
  endif()
endif()
# Where dlib's 68-point landmark model lives (Debian package libdlib-data).
set(KDFACE_DLIB_LANDMARKS /usr/share/dlib/shape_predictor_68_face_landmarks.dat CACHE FILEPATH
    "dlib 68-point shape predictor model")
