import type { FastifyInstance } from 'fastify';

export async function auditPages(_c: FastifyInstance) {}
