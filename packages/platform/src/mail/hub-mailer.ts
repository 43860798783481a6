import { inject, injectable } from 'tsyringe';
import type { Config } from '../config/config.ts';
import { CONFIG, LOGGER } from '../di/tokens.ts';
import type { Logger } from '../logging/logger.ts';

/** A plain-text mail from the hub to one person. */
export interface HubMail {
  to: string;
  subject: string;
  text: string;
}

/** sent: the server took it; unconfigured: the hub has no mail server; failed: logged, not thrown. */
export type HubMailOutcome = 'sent' | 'unconfigured' | 'failed';

/**
 * The hub's own mail (account links, mentions) through NHI_SMTP_URL, from NHI_SMTP_FROM. Sending
 * never throws: mail is a courtesy next to a change that is already made, so a missing or failing
 * server is answered as an outcome for the caller to act on, and logged without the mail's text.
 */
@injectable()
export class HubMailer {
  constructor(
    @inject(CONFIG) private readonly config: Config,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  get configured(): boolean {
    return Boolean(this.config.NHI_SMTP_URL);
  }

  /** `path` on the hub's public address; null without NHI_PUBLIC_URL (a mail needs an absolute link). */
  publicLink(path: string): string | null {
    const base = this.config.NHI_PUBLIC_URL;
    return base ? `${base.replace(/\/$/, '')}${path}` : null;
  }

  async send(mail: HubMail): Promise<HubMailOutcome> {
    const smtpUrl = this.config.NHI_SMTP_URL;
    if (!smtpUrl) return 'unconfigured';
    // Loaded with the first mail: a hub without SMTP never needs it.
    const { default: nodemailer } = await import('nodemailer');
    const transport = nodemailer.createTransport(smtpUrl, {
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 10_000,
    });
    try {
      await transport.sendMail({ from: this.config.NHI_SMTP_FROM, ...mail });
      return 'sent';
    } catch (error) {
      this.logger.warn({ event: 'hub_mail_failed', err: error }, 'a hub mail could not be sent');
      return 'failed';
    } finally {
      transport.close();
    }
  }
}
