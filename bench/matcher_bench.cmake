# Included from bench/CMakeLists.txt: ranking speed and memory of the
# candidate index.
add_executable(matcher_bench matcher_bench.cc)
target_link_libraries(matcher_bench PRIVATE raa_matcher benchmark::benchmark)
