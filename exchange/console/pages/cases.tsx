import type { FastifyInstance } from 'fastify';

export async function casePages(_c: FastifyInstance) {}
