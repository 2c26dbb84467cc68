// Imported before Ink: Ink renders only the final frame when the environment
// says CI (CI or CONTINUOUS_INTEGRATION set). The TUI always runs on a real
// terminal, so an operator's shell (or a test run) that inherits CI=true
// must not get a blank screen.
process.env.CI = 'false';
process.env.CONTINUOUS_INTEGRATION = 'false';
