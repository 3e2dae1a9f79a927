package gnetrun

import (
	"context"
	"fmt"
	"log/slog"
)

// slogLogger adapts a *slog.Logger to gnet's logger. gnet installs the
// logger of the last engine started as its process-wide default, so with
// several servers in one process gnet's rare messages may go to another
// server's logger.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) log(level slog.Level, format string, args []any) {
	if s.l == nil || !s.l.Enabled(context.Background(), level) {
		return
	}
	s.l.Log(context.Background(), level, fmt.Sprintf(format, args...), "component", "gnet")
}

func (s slogLogger) Debugf(format string, args ...any) { s.log(slog.LevelDebug, format, args) }
func (s slogLogger) Infof(format string, args ...any)  { s.log(slog.LevelDebug, format, args) }
func (s slogLogger) Warnf(format string, args ...any)  { s.log(slog.LevelWarn, format, args) }
func (s slogLogger) Errorf(format string, args ...any) { s.log(slog.LevelError, format, args) }
func (s slogLogger) Fatalf(format string, args ...any) { s.log(slog.LevelError, format, args) }
