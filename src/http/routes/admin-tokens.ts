import type { FastifyReply } from 'fastify';
import { parseDuration } from '../../config/load.js';
import {
  issueInitialAccessToken,
  listInitialAccessTokens,
  revokeInitialAccessToken,
  type InitialAccessTokenRequest,
} from '../../operations/initial-access-tokens.js';
import { OperationError } from '../../operations/operation-error.js';
import { iatCreatedPage, iatListPage, type IatForm } from '../../ui/admin-pages-tokens.js';
import type { PagesContext } from '../pages-context.js';
import { readNotice, redirectWithNotice, refusalStatus, type AdminRequest, type AdminRouter } from '../admin-router.js';
import { sendPage } from '../send-page.js';

/** The longest lifetime the form accepts: ten years. */
const maxLifetimeSeconds = 10 * 365 * 86_400;

/**
 * `GET /admin/iat` (the tokens and a create form), `POST /admin/iat` (creates one and shows its secret on
 * that response only: it is stored as a digest and never shown again) and `POST /admin/iat/:id/revoke`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 */
export function tokenRoutes(router: AdminRouter, context: PagesContext): void {
  const { storage, config, clock, random, audit } = context;
  const ports = { initialAccessTokens: storage.initialAccessTokens, config, clock, random, audit };
  const policies = Object.keys(config.registration.policies);
  const empty: IatForm = { description: '', uses: '', expires: '', policy: '' };

  const list = async (reply: FastifyReply, admin: AdminRequest, status: number, extra: { notice?: string | undefined; error?: string; form?: IatForm }) => {
    const tokens = await listInitialAccessTokens(ports);
    return sendPage(reply, status, (nonce) =>
      iatListPage({ nonce, frame: admin.frame, tokens, now: clock.now(), policies, form: extra.form ?? empty, notice: extra.notice, error: extra.error }),
    );
  };

  router.get('/iat', (request, reply, admin) => list(reply, admin, 200, { notice: readNotice(context, request) }));

  router.post('/iat', async (request, reply, admin) => {
    const body = request.body as Record<string, string | undefined>;
    const form: IatForm = {
      description: (body['description'] ?? '').trim(),
      uses: (body['uses'] ?? '').trim(),
      expires: (body['expires'] ?? '').trim(),
      policy: body['policy'] ?? '',
    };
    const parsed = parseIatForm(form);
    if (typeof parsed === 'string') return list(reply, admin, 400, { error: parsed, form });
    try {
      const { token, record } = await issueInitialAccessToken(parsed, ports, admin.actor);
      return sendPage(reply, 200, (nonce) => iatCreatedPage({ nonce, frame: admin.frame, token, record, registrationEndpoint: `${config.issuer}${config.registration.path}` }));
    } catch (error) {
      if (error instanceof OperationError) return list(reply, admin, refusalStatus[error.code], { error: error.message, form });
      throw error;
    }
  });

  router.post('/iat/:id/revoke', async (request, reply, admin) => {
    const { id } = request.params as { id: string };
    try {
      await revokeInitialAccessToken(id, ports, admin.actor);
    } catch (error) {
      if (error instanceof OperationError && error.code === 'not_found') return redirectWithNotice(context, reply, '/iat', 'iat-not-revoked');
      throw error;
    }
    return redirectWithNotice(context, reply, '/iat', 'iat-revoked', id);
  });
}

/** The create form as a request, or what is wrong with it. */
export function parseIatForm(form: IatForm): InitialAccessTokenRequest | string {
  if ([...form.description].length > 200) return 'The description is too long: at most 200 characters.';
  let maxUses: number | null = null;
  if (form.uses !== '') {
    if (!/^\d{1,9}$/.test(form.uses) || Number(form.uses) < 1) return 'Uses must be a whole number of at least 1, or empty for no limit.';
    maxUses = Number(form.uses);
  }
  let expiresInSeconds: number | null = null;
  if (form.expires !== '') {
    const seconds = parseDuration(form.expires);
    if (seconds === undefined || seconds < 60 || seconds > maxLifetimeSeconds) {
      return 'Expires must be a duration such as 3600, 12h, 7d or 4w (at least a minute, at most ten years), or empty for never.';
    }
    expiresInSeconds = seconds;
  }
  return { description: form.description || null, maxUses, expiresInSeconds, policy: form.policy || null };
}
