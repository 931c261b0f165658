package org.piservice.jobs.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder on 127.0.0.1 in front of an emulator, which can be told to hang: then it accepts
 * connections and reads what the client sends, but never passes it on and never answers, as a
 * dependency does whose host is up and whose service is stuck. The SDK in front of it sees a real
 * socket that stays silent, so only its own timeouts end the call.
 */
public final class HangingProxy implements AutoCloseable {

    private final ServerSocket server;
    private final URI target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean hanging;

    private HangingProxy(URI target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("hanging-proxy").start(this::accept);
    }

    /** A proxy that forwards to {@code target} (an emulator's http endpoint) until told to hang. */
    public static HangingProxy forwardingTo(URI target) throws IOException {
        return new HangingProxy(target);
    }

    /** The address to give the SDK instead of the emulator's. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** From now on, new requests get no answer; connections open already are cut. */
    public void hang() {
        hanging = true;
        closeConnections();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                Thread.ofVirtual().start(() -> serve(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try {
            if (hanging) {
                client.getInputStream().transferTo(OutputStream.nullOutputStream());
                return;
            }
            Socket upstream = new Socket();
            sockets.add(upstream);
            upstream.connect(new InetSocketAddress(target.getHost(), target.getPort()));
            Thread.ofVirtual().start(() -> pipe(upstream::getInputStream, client));
            pipe(client::getInputStream, upstream);
        } catch (IOException e) {
            // The client or the emulator went away: the connection is over.
        }
    }

    private static void pipe(InputStreamSupplier from, Socket to) {
        try (to) {
            from.get().transferTo(to.getOutputStream());
        } catch (IOException e) {
            // one side closed
        }
    }

    @FunctionalInterface
    private interface InputStreamSupplier {
        InputStream get() throws IOException;
    }

    private void closeConnections() {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        sockets.clear();
    }

    @Override
    public void close() throws IOException {
        server.close();
        closeConnections();
    }
}
