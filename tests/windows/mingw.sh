# Sourced, not run: mingw-w64 as the linker and C compiler of
# x86_64-pc-windows-gnu, for tests/windows/cargo.sh and install/release.sh.
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc-posix
export CC_x86_64_pc_windows_gnu=x86_64-w64-mingw32-gcc-posix
export AR_x86_64_pc_windows_gnu=x86_64-w64-mingw32-ar
