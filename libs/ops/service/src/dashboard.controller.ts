// The ops dashboard: a static page (no build step) that asks for an ops key and reads the same HTTP
// endpoints as any other client. The page itself is public; every figure it shows needs the key.
import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApiError, Public } from '@creditflow/shell';

/** libs/ops/service/dashboard, found from this file (not from the working directory). */
export const DASHBOARD_DIR = resolve(__dirname, '..', 'dashboard');

const ASSET = /^[a-z0-9-]+\.(js|css|svg)$/;

/**
 * The page reads only its own origin; the key it keeps in sessionStorage never leaves for another.
 * Stricter than the platform's policy (bootstrap.ts securityHeaders: helmet, whose other headers it keeps).
 */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

@ApiExcludeController()
@Controller('dashboard')
export class DashboardController {
  constructor() {
    if (!existsSync(resolve(DASHBOARD_DIR, 'index.html'))) throw new Error(`the ops dashboard's files are missing from ${DASHBOARD_DIR}`);
  }

  @Public()
  @Get()
  page(@Res() res: Response) {
    send(res, 'index.html');
  }

  @Public()
  @Get(':file')
  asset(@Param('file') file: string, @Res() res: Response) {
    if (!ASSET.test(file) || !existsSync(resolve(DASHBOARD_DIR, file))) throw new ApiError(404, 'not_found', `no dashboard file "${file}"`);
    send(res, file);
  }
}

function send(res: Response, file: string) {
  res.set({ 'Content-Security-Policy': CSP, 'Cache-Control': 'no-cache' });
  res.sendFile(file, { root: DASHBOARD_DIR });
}
