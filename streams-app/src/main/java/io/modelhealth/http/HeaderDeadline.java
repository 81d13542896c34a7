package io.modelhealth.http;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Closes a connection whose first request head has not fully arrived within {@code http.request-timeout}
 * of its opening: the slow-loris defence. The connector's idle timeout alone does not do it, since a
 * client that sends one header byte every few seconds is never idle for long. Jetty parses without
 * blocking, so such a client holds no thread while it lasts; this bounds how long it holds a socket.
 * Later requests on a kept-alive connection are bounded by the idle timeout (the same duration).
 */
final class HeaderDeadline implements Connection.Listener {

    private final Scheduler scheduler;
    private final long deadlineMillis;

    HeaderDeadline(Scheduler scheduler, Duration deadline) {
        this.scheduler = scheduler;
        this.deadlineMillis = deadline.toMillis();
    }

    @Override
    public void onOpened(Connection connection) {
        // getMessagesIn() counts requests whose head was parsed (Jetty's HttpConnection.headerComplete).
        scheduler.schedule(() -> {
            if (connection.getMessagesIn() == 0 && connection.getEndPoint().isOpen()) {
                connection.getEndPoint().close();
            }
        }, deadlineMillis, TimeUnit.MILLISECONDS);
    }
}
