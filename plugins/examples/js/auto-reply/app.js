// Auto-reply: an exthost extension written in JavaScript.
//
// It answers `GET <path>` itself with the admin's message (plain text) and
// lets every other request through. Settings: `message` (required) and
// `path` (default `/auto-reply`). Built with componentize-js against the
// `request-filter` world (wit/worlds.wit).

import { log } from 'exthost:plugin/log@0.1.0';

const SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['message'],
  properties: {
    message: {
      type: 'string',
      title: 'Message',
      description: 'The text served at the path.',
      maxLength: 4096,
    },
    path: {
      type: 'string',
      title: 'Path',
      description: 'Where the message is served, e.g. `/auto-reply`.',
      default: '/auto-reply',
    },
  },
};

const MAX_MESSAGE = 4096;

// Parse settings: `{ settings }` or `{ errors }` (a list of field errors).
function parse(config) {
  let settings;
  try {
    settings = config.trim() ? JSON.parse(config) : {};
  } catch (e) {
    return { errors: [{ field: '', message: `settings are not valid JSON: ${e.message}` }] };
  }
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) {
    return { errors: [{ field: '', message: 'settings must be a JSON object' }] };
  }
  const errors = [];
  for (const key of Object.keys(settings)) {
    if (key !== 'message' && key !== 'path') {
      errors.push({ field: key, message: 'unknown setting' });
    }
  }
  const message = settings.message;
  if (typeof message !== 'string' || message.trim() === '') {
    errors.push({ field: 'message', message: 'must be non-empty text' });
  } else if (message.length > MAX_MESSAGE) {
    errors.push({ field: 'message', message: `must be at most ${MAX_MESSAGE} characters` });
  }
  const path = settings.path ?? '/auto-reply';
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9\-._~\/]*$/.test(path)) {
    errors.push({ field: 'path', message: 'must be a path starting with `/`, e.g. `/auto-reply`' });
  } else if (path === '/' || path.startsWith('/api/')) {
    errors.push({ field: 'path', message: 'must not shadow `/` or the platform API' });
  }
  return errors.length ? { errors } : { settings: { message, path } };
}

let current = null;

export const metadata = {
  describe() {
    return {
      name: 'auto-reply',
      version: '0.1.0',
      title: 'Auto-reply (JavaScript)',
      description: 'Answers requests to one path with a fixed message.',
      configSchema: JSON.stringify(SCHEMA),
      capabilities: [],
    };
  },

  validateConfig(config) {
    const { errors } = parse(config);
    if (errors) throw errors;
  },

  init(env, config) {
    const { settings, errors } = parse(config);
    if (errors) throw errors;
    current = settings;
    log('info', `auto-reply for ${env.tenant} serves ${settings.path}`);
  },
};

export const onRequest = {
  handle(ctx, req) {
    if (current === null) {
      throw { code: 'not-initialized', message: 'init was not called' };
    }
    if (req.method() !== 'GET' || req.path() !== current.path) {
      return { tag: 'continue' };
    }
    return {
      tag: 'respond',
      val: {
        status: 200,
        headers: [['content-type', 'text/plain; charset=utf-8']],
        body: new TextEncoder().encode(current.message),
      },
    };
  },
};
