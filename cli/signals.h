/*
 * signals.h - an interrupted run leaves no temporary report behind.
 *
 * Responsible for: handlers for SIGINT, SIGTERM, SIGHUP, SIGPIPE and SIGXFSZ that
 * remove every temporary report file (roi_atomic_remove_temps) and then end the
 * process with the signal's default action, so its exit status is the signal's.
 * Not responsible for stopping work cleanly: the run simply ends.
 */
#ifndef ROI_CLI_SIGNALS_H
#define ROI_CLI_SIGNALS_H

/* Installs the handlers; a signal the parent set to be ignored (nohup, a background
 * job's SIGINT) stays ignored. Call once, at the start of main. */
void roi_cli_signals_install(void);

#endif
