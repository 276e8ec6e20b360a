// bench-opencv-dnn: inference throughput of an ONNX model in OpenCV's DNN module (Debian's
// libopencv-dnn), the OpenCV peer of tools/bench-cpu-vs-peers.sh. One JSON line, the same
// fields as kdface-bench --embed: median over --iters timed forwards after --warmup.
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::string onnx;
  int batch = 1, size = 112, threads = 2, warmup = 3, iters = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--onnx") onnx = v;
    else if (a == "--batch") batch = std::stoi(v);
    else if (a == "--size") size = std::stoi(v);
    else if (a == "--threads") threads = std::stoi(v);
    else if (a == "--warmup") warmup = std::stoi(v);
    else if (a == "--iters") iters = std::stoi(v);
    else {
      std::fprintf(stderr, "bench-opencv-dnn: unknown argument '%s'\n", a.c_str());
      return 1;
    }
  }
  if (onnx.empty() || batch < 1 || iters < 1) {
    std::fprintf(stderr, "usage: bench-opencv-dnn --onnx FILE [--batch N] [--size S] [--threads T] [--warmup K] [--iters N]\n");
    return 1;
  }
  try {
    cv::setNumThreads(threads);
    cv::dnn::Net net = cv::dnn::readNetFromONNX(onnx);
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    const int shape[] = {batch, 3, size, size};
    cv::Mat blob(4, shape, CV_32F);
    cv::randu(blob, -1.0, 1.0);
    std::vector<double> ms;
    for (int k = 0; k < warmup + iters; ++k) {
      const auto t0 = std::chrono::steady_clock::now();
      net.setInput(blob, "input");
      cv::Mat out = net.forward("embedding");
      const double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (k >= warmup) ms.push_back(t);
    }
    std::sort(ms.begin(), ms.end());
    const double med = ms[ms.size() / 2];
    std::printf("{\"case\":\"embed\",\"runtime\":\"opencv-dnn\",\"opencv\":\"%s\",\"threads\":%d,\"size\":%d,\"batch\":%d,"
                "\"ms\":%.4f,\"min_ms\":%.4f,\"iters\":%d,\"faces_per_s\":%.2f}\n",
                CV_VERSION, threads, size, batch, med, ms.front(), iters, batch / med * 1e3);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-opencv-dnn: %s\n", e.what());
    return 1;
  }
}
