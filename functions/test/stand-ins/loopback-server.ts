import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface LoopbackServer {
  port: number;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 (port 0 picks a free one), for the stand-ins. */
export async function listenOnLoopback(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  port = 0,
): Promise<LoopbackServer> {
  const server = createServer((req, res) => {
    void handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

/** How many copies of the next webhook to send: 0 when dropped, 2 when duplicated, else 1. */
export class DeliveryPlan {
  drop = 0;
  duplicate = 0;

  copiesOfNext(): number {
    if (this.drop > 0) {
      this.drop -= 1;
      return 0;
    }
    if (this.duplicate > 0) {
      this.duplicate -= 1;
      return 2;
    }
    return 1;
  }
}

/**
 * Posts webhooks the way the vendors do (fire and forget: a failed delivery is not retried) and
 * tracks those in flight, so that tests can wait for every answer.
 */
export class WebhookSender {
  private inFlight = new Set<Promise<void>>();

  /** Sends `body`; `onAnswer` gets the HTTP status, or null when the endpoint could not be reached. */
  post(url: string, headers: Record<string, string>, body: string, onAnswer: (status: number | null) => void): Promise<void> {
    const sent: Promise<void> = fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(15_000) })
      .then(async (res) => {
        onAnswer(res.status);
        await res.arrayBuffer();
      })
      .catch(() => {
        onAnswer(null);
      })
      .finally(() => this.inFlight.delete(sent));
    this.inFlight.add(sent);
    return sent;
  }

  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
