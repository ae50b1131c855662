/* signals.c - temporary reports removed when a run is interrupted (signals.h). */
#include "signals.h"

#include <signal.h>
#include <string.h>

#include "atomic.h"

static void on_signal(int sig)
{
    /* Only async-signal-safe calls: unlinkat (in roi_atomic_remove_temps), sigaction
     * and raise. The default action is back in place; the signal raised again stays
     * blocked until this handler returns, and then ends the process as it would have. */
    roi_atomic_remove_temps();
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    raise(sig);
}

void roi_cli_signals_install(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE,
#ifdef SIGXFSZ
                               SIGXFSZ,
#endif
    };
    enum { N = sizeof sigs / sizeof sigs[0] };
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask); /* one handler at a time */
    for (int i = 0; i < N; i++)
        sigaddset(&sa.sa_mask, sigs[i]);
    for (int i = 0; i < N; i++) {
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN)
            continue; /* nohup and background jobs ignore some signals: keep it so */
        sigaction(sigs[i], &sa, NULL);
    }
}
