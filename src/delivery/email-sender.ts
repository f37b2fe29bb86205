/**
 * Email over SMTP with nodemailer (channels.email). The server's accept (250 after DATA) is the
 * delivery; a 4xx reply or a lost connection is temporary and retried, a 5xx reply is final. The
 * delivery id is the Message-ID's left part, so a resent email is recognisable as the same one.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { ChannelsConfig } from '../config/rules-config.js';
import { DELIVERED, failure, type SendOutcome } from './senders.js';

type EmailConfig = NonNullable<ChannelsConfig['email']>;

export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export class EmailSender {
  readonly #transport: Transporter;
  readonly #from: string;

  constructor(config: EmailConfig, password: string | undefined, maxConnections: number, timeoutMs: number) {
    this.#from = config.from;
    this.#transport = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure,
      pool: true,
      maxConnections,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      ...(config.user === undefined ? {} : { auth: { user: config.user, pass: password ?? '' } }),
    });
  }

  async sendEmail(id: string, message: EmailMessage): Promise<SendOutcome> {
    try {
      await this.#transport.sendMail({
        from: this.#from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        messageId: `<${id}@huiyuan>`,
      });
      return DELIVERED;
    } catch (error) {
      const responseCode = (error as { responseCode?: number }).responseCode;
      const text = error instanceof Error ? error.message : String(error);
      if (responseCode !== undefined && responseCode >= 500)
        return failure(`SMTP refused: ${text} (not retried)`, false);
      return failure(`SMTP: ${text}`, true);
    }
  }

  close(): void {
    this.#transport.close();
  }
}
