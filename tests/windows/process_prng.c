/* bcryptprimitives.dll for wine 8, which lacks it: Rust's std on Windows
 * takes its random bytes from ProcessPrng (Windows 10 and later). This one
 * asks RtlGenRandom (advapi32's SystemFunction036), 64 KiB at a time. Built
 * and put in the test prefix by tests/windows/cargo.sh; never shipped. */
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x10000 ? 0x10000 : (ULONG)len;
        if (!RtlGenRandom(data, chunk)) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
